/**
 * Child process for the SMTP benchmark: the embedded Mailroom mail server with its MX listener on
 * an ephemeral loopback port, domain bench.test with one user. Prints one JSON line
 * `{"smtp": port}` when ready; stops when its stdin closes.
 *
 *   node bench/smtp/mailroom-server.ts <dataDir> [--no-greeting-delay]
 *
 * --no-greeting-delay is a BENCH-ONLY monkey-patch of smtp-server's SMTPConnection.prototype.init:
 * smtp-server waits a hard-coded 100 ms before it sends the 220 greeting of every connection (to
 * catch clients that talk before the greeting); the patch sends the greeting at once, to measure
 * what that delay costs. The product (packages/mailserver/src) is not changed.
 */
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { startMailServer } from '../../packages/mailserver/src/index.js';
import { serveUntilParentGoes } from '../lib/child-server.js';

const [dataDir, ...flags] = process.argv.slice(2);
if (!dataDir) {
  process.stderr.write('usage: mailroom-server.ts <dataDir> [--no-greeting-delay]\n');
  process.exit(2);
}

if (flags.includes('--no-greeting-delay')) {
  interface Patchable {
    _server: { options: { maxClients?: number }; connections: Set<unknown> };
    name: string;
    _setListeners(cb: () => void): void;
    send(code: number, text: string, end?: boolean): void;
    connectionReady(): void;
  }
  // the same body as SMTPConnection.init (smtp-server 3.21) without the 100 ms timer
  (SMTPConnection.prototype as unknown as { init: (this: Patchable) => void }).init = function init(this: Patchable): void {
    this._setListeners(() => {
      if (this._server.options.maxClients && this._server.connections.size > this._server.options.maxClients) {
        this.send(421, `${this.name} Too many connected clients, try again in a moment`, false);
        return;
      }
      this.connectionReady();
    });
  };
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
