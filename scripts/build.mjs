// Builds the web app (Vite → apps/web/dist) and the server (esbuild → apps/server/dist/cli.js).
// Production runs this compiled JavaScript, never a TypeScript loader.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, bin, ensureDependencies, log, run } from './lib.mjs';

export async function build() {
  log('Building the web app (vite)…');
  let code = await run(bin('vite'), ['build', '--logLevel', 'error']);
  if (code !== 0) return code;

  log('Building the server (esbuild)…');
  // Workspace packages are bundled; every npm dependency stays external and loads from node_modules.
  const external = new Set();
  for (const pkg of ['apps/server', 'packages/mailserver', 'packages/shared']) {
    const json = JSON.parse(readFileSync(path.join(ROOT, pkg, 'package.json'), 'utf8'));
    for (const dep of Object.keys(json.dependencies ?? {})) if (!dep.startsWith('@mailroom/')) external.add(dep);
  }
  const esbuild = await import('esbuild');
  try {
    await esbuild.build({
      entryPoints: [path.join(ROOT, 'apps/server/src/cli.ts')],
      outfile: path.join(ROOT, 'apps/server/dist/cli.js'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: true,
      conditions: ['development'],
      external: [...external].flatMap((d) => [d, `${d}/*`]),
      banner: { js: "import { createRequire as __mrCreateRequire } from 'node:module'; const require = __mrCreateRequire(import.meta.url);" },
      logLevel: 'warning',
    });
  } catch {
    code = 1;
  }
  return code;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  ensureDependencies();
  process.exit(await build());
}
