// `npm run demo`: installs what is missing, builds, and starts the whole stack on 127.0.0.1.
// Extra arguments go to `mailroom demo` (e.g. `npm run demo -- --data ./maildata`).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT, ensureDependencies } from './lib.mjs';

ensureDependencies();
const { build } = await import('./build.mjs');
const code = await build();
if (code !== 0) process.exit(code);

const child = spawn(process.execPath, ['--enable-source-maps', path.join(ROOT, 'apps/server/dist/cli.js'), 'demo', ...process.argv.slice(2)], {
  cwd: ROOT,
  stdio: 'inherit',
});
// Ctrl-C reaches the child through the terminal's process group; forward SIGTERM ourselves.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (c, signal) => process.exit(c ?? (signal ? 1 : 0)));
