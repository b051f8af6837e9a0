import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { openStore, type MailStore } from '../src/store/index.js';
import { startPop3Server, type Pop3ServerOptions } from '../src/pop3/server.js';

export const USER = 'alice@example.test';
export const PASS = 'correct horse battery staple';
export const USER2 = 'bob@example.test';

export const run = promisify(execFile);

export interface Pop3TestServer {
  store: MailStore;
  port: number;
  close(): Promise<void>;
}

export async function startPop3TestServer(opts: Partial<Omit<Pop3ServerOptions, 'store' | 'host' | 'port'>> = {}): Promise<Pop3TestServer> {
  const store = openStore({ path: ':memory:' });
  store.addDomain('example.test');
  store.createUser(USER, PASS);
  store.createUser(USER2, PASS);
  const pop3 = await startPop3Server({
    store,
    host: '127.0.0.1',
    port: 0,
    ...opts,
    limits: { authFailureDelayMs: 20, ...opts.limits },
  });
  return {
    store,
    port: pop3.port,
    async close() {
      await pop3.close();
      store.close();
    },
  };
}

export function message(subject: string, body: string): Buffer {
  return Buffer.from(
    [`From: Sender <sender@example.org>`, `To: ${USER}`, `Subject: ${subject}`, `Message-ID: <${subject.replace(/\W/g, '')}@example.org>`, '', body, ''].join('\r\n'),
    'utf8',
  );
}

export async function inboxUids(store: MailStore, email = USER): Promise<number[]> {
  const user = store.findUser(email)!;
  const box = (await store.getMailbox(user.id, 'INBOX'))!;
  return store.listUids(box.id);
}

/** Runs a Python snippet; `PORT`, `USER` and `PASS` are set for it; returns stdout. */
export async function python(port: number, code: string, timeout = 20_000): Promise<string> {
  const prelude = `import poplib, ssl, sys, json, base64\nPORT=${port}\nUSER=${JSON.stringify(USER)}\nPASS=${JSON.stringify(PASS)}\n`;
  const { stdout } = await run('python3', ['-c', prelude + code], { timeout });
  return stdout;
}

/** A minimal raw POP3 client for conversation tests. */
export class RawPop3 {
  private socket!: net.Socket;
  private buf = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  closed = false;

  async connect(port: number): Promise<string> {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    return this.line();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Sends a command line and returns the one-line reply. */
  async cmd(line: string): Promise<string> {
    this.write(line + '\r\n');
    return this.line();
  }

  /** Sends a command and returns the status line plus the raw (still byte-stuffed) multi-line body. */
  async multi(line: string): Promise<{ status: string; body: string }> {
    this.write(line + '\r\n');
    const status = await this.line();
    if (!status.startsWith('+OK')) return { status, body: '' };
    const raw = await this.until('\r\n.\r\n', true);
    return { status, body: raw.slice(0, -3) };
  }

  /** The next CRLF-terminated line, without CRLF. */
  async line(): Promise<string> {
    return (await this.until('\r\n')).slice(0, -2);
  }

  /**
   * Everything up to and including `marker`. With `afterLineStart`, the marker may also match
   * at the very start (an empty multi-line body is just ".\r\n").
   */
  async until(marker: string, afterLineStart = false, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (afterLineStart && this.buf.subarray(0, 3).toString('latin1') === '.\r\n') {
        this.buf = this.buf.subarray(3);
        return '.\r\n';
      }
      const idx = this.buf.indexOf(marker);
      if (idx >= 0) {
        const end = idx + marker.length;
        const out = this.buf.subarray(0, end).toString('utf8');
        this.buf = this.buf.subarray(end);
        return out;
      }
      if (this.closed || Date.now() > deadline) throw new Error(`no ${JSON.stringify(marker)} in ${JSON.stringify(this.buf.toString('latin1'))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Resolves once the server closed the connection; returns whatever it still sent. */
  async waitClosed(timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('connection still open');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.buf.toString('utf8');
  }

  async login(user = USER, pass = PASS): Promise<void> {
    const u = await this.cmd(`USER ${user}`);
    if (!u.startsWith('+OK')) throw new Error(u);
    const p = await this.cmd(`PASS ${pass}`);
    if (!p.startsWith('+OK')) throw new Error(p);
  }

  /** The underlying socket (for the STLS tests, which wrap it in TLS themselves). */
  get rawSocket(): net.Socket {
    return this.socket;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
