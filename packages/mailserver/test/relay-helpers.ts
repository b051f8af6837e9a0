/** A raw SMTP client for exact-reply tests: writes bytes as given, reads complete (multi-line) replies. */
import net from 'node:net';

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
