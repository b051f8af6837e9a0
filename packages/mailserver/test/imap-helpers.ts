import net from 'node:net';
import { ImapFlow } from 'imapflow';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { openStore, type MailStore } from '../src/store/index.js';
import { startImapServer } from '../src/imap/server.js';

export const USER = 'alice@example.test';
export const PASS = 'correct horse battery staple';
export const USER2 = 'bob@example.test';

export interface TestServer {
  store: MailStore;
  port: number;
  close(): Promise<void>;
}

export async function startTestServer(opts: { hideCapabilities?: string[] } = {}): Promise<TestServer> {
  const store = openStore({ path: ':memory:' });
  store.addDomain('example.test');
  store.createUser(USER, PASS);
  store.createUser(USER2, PASS);
  const imap = await startImapServer({ store, host: '127.0.0.1', port: 0, hideCapabilities: opts.hideCapabilities });
  return {
    store,
    port: imap.port,
    async close() {
      await imap.close();
      store.close();
    },
  };
}

export async function connectClient(port: number, user = USER, pass = PASS): Promise<ImapFlow> {
  const client = new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user, pass }, logger: false, disableAutoIdle: true });
  await client.connect();
  return client;
}

export async function compose(opts: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> {
  return new MailComposer(opts).compile().build();
}

/** A minimal raw IMAP client for framing tests. */
export class RawClient {
  private socket!: net.Socket;
  private buf = '';
  private waiters: Array<() => void> = [];

  async connect(port: number): Promise<string> {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.setEncoding('latin1');
    this.socket.on('data', (d: string) => {
      this.buf += d;
      for (const w of this.waiters.splice(0)) w();
    });
    this.socket.on('close', () => { for (const w of this.waiters.splice(0)) w(); });
    return this.readUntil(/^\* OK.*\r\n/m);
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Resolves with everything received up to and including the first match, consuming it. */
  async readUntil(re: RegExp, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.buf);
      if (m) {
        const end = m.index + m[0].length;
        const out = this.buf.slice(0, end);
        this.buf = this.buf.slice(end);
        return out;
      }
      if (this.socket.destroyed || Date.now() > deadline) throw new Error(`no match for ${re} in ${JSON.stringify(this.buf)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 200);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  /** Sends a tagged command and returns the full response up to the tagged line. */
  async command(tag: string, line: string): Promise<string> {
    this.write(`${tag} ${line}\r\n`);
    return this.readUntil(new RegExp(`^${tag} (OK|NO|BAD)[^\\r]*\\r\\n`, 'm'));
  }

  get closed(): boolean {
    return this.socket.destroyed;
  }

  close(): void {
    this.socket.destroy();
  }
}
