// Renders docs/configuration.md from the zod schema, so the reference can't drift from the code.
// Regenerate: node --import tsx apps/server/src/config-docs.ts > docs/configuration.md
import { fileURLToPath } from 'node:url';
import { ENV_NAMES, configSchema, type Config } from './config.js';

const HEADER = `# Configuration

<!-- Generated from apps/server/src/config.ts by apps/server/src/config-docs.ts; do not edit by hand. -->

The server reads one validated configuration (zod) from, in order of precedence: command-line
flags (\`--port\`, \`--data\`), environment variables, and an optional JSON file named by
\`MAILROOM_CONFIG\` whose keys are the option names below. A wrong value stops the start with a
message naming the variable.

| option | env variable | default | meaning |
|---|---|---|---|
`;

function formatDefault(value: unknown): string {
  if (value === undefined) return '—';
  if (typeof value === 'number' && value >= 60_000 && value % 60_000 === 0) {
    const minutes = value / 60_000;
    return `\`${value}\` (${minutes % 60 === 0 ? `${minutes / 60} h` : `${minutes} min`})`;
  }
  if (typeof value === 'number' && value >= 1024 * 1024 && value % (1024 * 1024) === 0) return `\`${value}\` (${value / 1024 / 1024} MiB)`;
  return `\`${String(value)}\``;
}

export function renderConfigDocs(): string {
  const defaults = configSchema.parse({}) as Config;
  const rows = Object.entries(configSchema.shape).map(([key, schema]) => {
    const env = ENV_NAMES[key as keyof Config];
    const description = (schema as { description?: string }).description ?? '';
    return `| ${key} | \`${env}\` | ${formatDefault(defaults[key as keyof Config])} | ${description.replace(/\|/g, '\\|')} |`;
  });
  return `${HEADER}${rows.join('\n')}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.stdout.write(renderConfigDocs());
