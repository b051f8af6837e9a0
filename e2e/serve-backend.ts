// Playwright webServer for the non-demo e2e projects: starts a mail backend from @mailroom/testkit
// (Dovecot + Postfix, or the embedded server without SORT/ESEARCH/LIST-STATUS/IDLE), then the built
// webmail (`cli.js webmail`) pointed at it. Ports follow the demo's convention: webmail on PORT,
// IMAP on PORT+1, inbound SMTP (MX-like, no AUTH) on PORT+2, submission on PORT+3.
// SIGTERM/SIGINT, the webmail exiting, or Playwright going away stops everything.
//   PORT=28090 node --import tsx e2e/serve-backend.ts <dovecot-postfix|embedded-minimal>
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BACKEND_KINDS, isBackendKind, onProcessExit, startBackend } from '@mailroom/testkit';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const kind = process.argv[2];
const PORT = Number(process.env.PORT);
if (!isBackendKind(kind) || !Number.isInteger(PORT) || PORT <= 0 || PORT > 65_532) {
  process.stderr.write(`usage: PORT=<webmail port> serve-backend.ts <${BACKEND_KINDS.join('|')}>\n`);
  process.exit(2);
}
const perUser = Number(process.env.E2E_PER_USER ?? 60);

/** The parent (a shell) and its parent (Playwright): when either goes away, so do we. */
function watchedPids(): number[] {
  const pids = [process.ppid];
  try {
    const stat = readFileSync(`/proc/${process.ppid}/stat`, 'utf8');
    const grand = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (grand > 1) pids.push(grand);
  } catch {
    // no /proc: the parent alone
  }
  return pids;
}
const watched = watchedPids();
setInterval(() => {
  for (const pid of watched) {
    try {
      process.kill(pid, 0);
    } catch {
      process.stderr.write(`serve-backend: parent ${pid} is gone, stopping\n`);
      process.exit(1); // exit hooks stop the mail servers and the webmail
    }
  }
}, 2_000).unref();

let backend: Awaited<ReturnType<typeof startBackend>>;
try {
  backend = await startBackend(kind, { perUser, ports: { imap: PORT + 1, smtp: PORT + 2, submission: PORT + 3 } });
} catch (err) {
  process.stderr.write(`Could not start the ${kind} mail backend: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
process.stdout.write(
  `${kind}: IMAP ${backend.imap.port}, SMTP (MX) ${backend.smtp.port}, submission ${backend.submission.port} on ${backend.imap.host}\n`,
);

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
