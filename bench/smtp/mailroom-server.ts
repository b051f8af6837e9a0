/**
 * Child process for the SMTP benchmark: the embedded Mailroom mail server with its MX listener on
 * an ephemeral loopback port, domain bench.test with one user. Prints one JSON line
 * `{"smtp": port}` when ready; stops when its stdin closes.
 *
 *   node bench/smtp/mailroom-server.ts <dataDir> [--greeting-delay]
 *
 * The MX listener greets loopback clients at once (smtpLimits.greetingDelayExemptIps). With
 * --greeting-delay the bench client is treated like a remote MTA: it waits the MX greeting delay
 * (smtpLimits.greetingDelayMs, 100 ms) on every connection, to measure what that delay costs.
 */
import { startMailServer } from '../../packages/mailserver/src/index.js';
import { serveUntilParentGoes } from '../lib/child-server.js';

const [dataDir, ...flags] = process.argv.slice(2);
if (!dataDir) {
  process.stderr.write('usage: mailroom-server.ts <dataDir> [--greeting-delay]\n');
  process.exit(2);
}

try {
  const server = await startMailServer({
    dataDir,
    host: '127.0.0.1',
    hostname: 'mx.bench.test',
    ports: { imap: 0, smtp: 0, submission: 0, pop3: null },
    // SPF/DKIM/DMARC need DNS, which a loopback benchmark does not have; Postfix checks none either
    authChecks: false,
    queue: false,
    dkimSign: false,
    ...(flags.includes('--greeting-delay') ? { smtpLimits: { greetingDelayExemptIps: [] } } : {}),
  });
  if (!server.store.hasDomain('bench.test')) {
    server.store.addDomain('bench.test');
    server.store.createUser('bench@bench.test', 'bench-password');
  }
  serveUntilParentGoes(server, { smtp: server.ports.smtp });
} catch (err) {
  process.stderr.write(`mail server failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
