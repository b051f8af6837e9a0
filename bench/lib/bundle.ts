// Bundles a bench's server child with esbuild the way `npm run build` bundles production (workspace
// packages inlined, npm dependencies external), so the measured server runs compiled JavaScript and
// not under the TypeScript loader. The bundle goes to node_modules/.cache so that its imports
// resolve from the workspace's node_modules.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Bundles `entry` to node_modules/.cache/mailroom-bench/<outName> and returns that path. */
export async function bundleServerChild(entry: string, outName: string): Promise<string> {
  const external = new Set<string>();
  for (const pkg of ['packages/mailserver', 'packages/shared']) {
    try {
      const json = JSON.parse(readFileSync(path.join(ROOT, pkg, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
      for (const dep of Object.keys(json.dependencies ?? {})) if (!dep.startsWith('@mailroom/')) external.add(dep);
    } catch {
      // a package without a package.json has no dependencies to keep external
    }
  }
  const outfile = path.join(ROOT, 'node_modules', '.cache', 'mailroom-bench', outName);
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['development'],
    external: [...external].flatMap((d) => [d, `${d}/*`]),
    banner: { js: "import { createRequire as __mrCreateRequire } from 'node:module'; const require = __mrCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  return outfile;
}
