/**
 * Child process for the benchmark: runs the embedded Mailroom mail server on ephemeral loopback
 * ports so that its memory is measured apart from the benchmark client. Prints one JSON line
 * `{"imap": port}` when ready; stops when its stdin closes (the parent ended it or died).
 *
 *   node --import tsx bench/imap/mailroom-server.ts <dataDir>
 */
import { startMailServer } from '../../packages/mailserver/src/index.js';
import { serveUntilParentGoes } from '../lib/child-server.js';

const dataDir = process.argv[2];
if (!dataDir) {
  process.stderr.write('usage: mailroom-server.ts <dataDir>\n');
  process.exit(2);
}

try {
  const server = await startMailServer({ dataDir, host: '127.0.0.1', ports: { imap: 0, smtp: 0, submission: 0 } });
  serveUntilParentGoes(server, { imap: server.ports.imap });
} catch (err) {
  process.stderr.write(`mail server failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
