// Playwright webServer for the non-demo e2e projects: starts a mail backend from @mailroom/testkit
// (Dovecot + Postfix, or the embedded server without SORT/ESEARCH/LIST-STATUS/IDLE), then the built
// webmail (`cli.js webmail`) pointed at it. SIGTERM/SIGINT (or the webmail exiting) stops both.
//   node --import tsx e2e/serve-backend.ts <dovecot-postfix|embedded-minimal>   (PORT = webmail port)
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BACKEND_KINDS, isBackendKind, onProcessExit, startBackend } from '@mailroom/testkit';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const kind = process.argv[2];
if (!isBackendKind(kind)) {
  process.stderr.write(`usage: serve-backend.ts <${BACKEND_KINDS.join('|')}>\n`);
  process.exit(2);
}
const perUser = Number(process.env.E2E_PER_USER ?? 60);

let backend: Awaited<ReturnType<typeof startBackend>>;
try {
  backend = await startBackend(kind, { perUser });
} catch (err) {
  process.stderr.write(`Could not start the ${kind} mail backend: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
process.stdout.write(`${kind}: IMAP ${backend.imap.host}:${backend.imap.port}, submission ${backend.submission.host}:${backend.submission.port}\n`);

const webmail = spawn(process.execPath, ['--enable-source-maps', path.join(ROOT, 'apps/server/dist/cli.js'), 'webmail'], {
  cwd: ROOT,
  stdio: 'inherit',
  env: {
    ...process.env,
    IMAP_HOST: backend.imap.host,
    IMAP_PORT: String(backend.imap.port),
    SUBMISSION_HOST: backend.submission.host,
    SUBMISSION_PORT: String(backend.submission.port),
  },
});
// the backend's own exit hooks stop Dovecot/Postfix; this one takes the webmail down with us
onProcessExit(() => {
  if (webmail.exitCode === null && webmail.signalCode === null) webmail.kill('SIGTERM');
});
webmail.on('exit', (code, signal) => {
  void backend.close().finally(() => process.exit(code ?? (signal ? 1 : 0)));
});
