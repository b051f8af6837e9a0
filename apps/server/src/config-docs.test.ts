import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ENV_NAMES, configSchema } from './config.js';
import { renderConfigDocs } from './config-docs.js';

const docsPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/configuration.md');

describe('docs/configuration.md', () => {
  it('is what the schema generates (regenerate with: node --import tsx apps/server/src/config-docs.ts > docs/configuration.md)', () => {
    expect(readFileSync(docsPath, 'utf8')).toBe(renderConfigDocs());
  });
  it('documents every option with its environment variable and a description', () => {
    const docs = renderConfigDocs();
    for (const [key, schema] of Object.entries(configSchema.shape)) {
      expect(docs).toContain(`| ${key} | \`${ENV_NAMES[key as keyof typeof ENV_NAMES]}\` |`);
      expect((schema as { description?: string }).description, key).toBeTruthy();
    }
  });
});
