/** A raw SMTP client for exact-reply tests: writes bytes as given, reads complete (multi-line) replies. */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startInboundSmtp } from '../src/smtp/inbound.js';
import type { SmtpListener } from '../src/smtp/listener.js';
import { openStore, type MailStore } from '../src/store/index.js';

export const REPLY_TIMEOUT_MS = 10_000;

export interface Reply {
  code: number;
  text: string;
}

export class RawSmtp {
  private socket!: net.Socket;
  private buf = '';
  private wake: (() => void) | null = null;
  private closed = false;

  static async connect(port: number): Promise<{ client: RawSmtp; greeting: Reply }> {
    const client = new RawSmtp();
    client.socket = net.connect(port, '127.0.0.1');
    client.socket.on('data', (d: Buffer) => {
      client.buf += d.toString('latin1');
      client.wake?.();
    });
    client.socket.on('error', () => undefined);
    client.socket.on('close', () => {
      client.closed = true;
      client.wake?.();
    });
    const greeting = await client.reply();
    return { client, greeting };
  }

  write(data: string): void {
    this.socket.write(Buffer.from(data, 'latin1'));
  }

  /** Sends one command line and returns its reply. */
  async command(line: string): Promise<Reply> {
    this.write(`${line}\r\n`);
    return this.reply();
  }

  /** Reads the next complete reply (all lines up to the one with a space after the code). */
  async reply(timeoutMs = REPLY_TIMEOUT_MS): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = /^(?:\d{3}-[^\n]*\n)*(\d{3})(?: [^\n]*)?\r?\n/.exec(this.buf);
      if (m) {
        this.buf = this.buf.slice(m[0].length);
        return { code: Number(m[1]), text: m[0].trimEnd() };
      }
      if (this.closed) throw new Error(`connection closed; pending: ${JSON.stringify(this.buf)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no reply; pending: ${JSON.stringify(this.buf)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          this.wake = null;
          resolve();
        };
      });
    }
  }

  /** Whatever arrived and was not read as a reply yet, after giving the server `ms` to answer. */
  async pending(ms = 300): Promise<string> {
    await new Promise((r) => setTimeout(r, ms));
    return this.buf;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** An MX listener on loopback for example.test with the users carol and dave (1 MB limit, no SPF/DKIM checks); `stop` removes everything. */
export async function startCarolDaveMx(prefix: string): Promise<{ store: MailStore; mx: SmtpListener; stop: () => Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const store = openStore({ path: path.join(dir, 'mail.sqlite') });
  store.addDomain('example.test');
  store.createUser('carol@example.test', 'pw');
  store.createUser('dave@example.test', 'pw');
  const mx = await startInboundSmtp({ store, host: '127.0.0.1', port: 0, hostname: 'mx.example.test', maxMessageBytes: 1024 * 1024, authChecks: false });
  return {
    store,
    mx,
    stop: async () => {
      await mx.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
