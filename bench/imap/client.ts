/**
 * A minimal raw-socket IMAP client for benchmarks: it sends one command and waits for its tagged
 * response, framing literals correctly, and does nothing else (no parsing beyond line framing), so
 * that the client costs the same small amount against every server.
 */
import net from 'node:net';

export interface ImapResponse {
  /** The tagged status: OK, NO or BAD. */
  status: string;
  /** The tagged line without the tag. */
  text: string;
  /** Untagged lines (literal payloads replaced by their size) when `collect` was set. */
  lines: string[];
  /** Number of untagged responses. */
  untagged: number;
  /** Bytes received for this command. */
  bytes: number;
}

interface Pending {
  tag: string;
  collect: boolean;
  lines: string[];
  untagged: number;
  bytes: number;
  resolve: (r: ImapResponse) => void;
  reject: (e: Error) => void;
}

export class ImapError extends Error {
  constructor(
    message: string,
    public response?: ImapResponse,
  ) {
    super(message);
    this.name = 'ImapError';
  }
}

const LITERAL_AT_END = /\{(\d+)\+?\}$/;
const CRLF = Buffer.from('\r\n');

export class RawImapClient {
  private socket: net.Socket;
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** Bytes of literal payload still to skip before framing resumes. */
  private skip = 0;
  private tagN = 0;
  private pending: Pending | null = null;
  private greetingWaiter: { resolve: (line: string) => void; reject: (e: Error) => void } | null = null;
  private closed = false;
  private current: string[] = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  /** Connects and waits for the server greeting. */
  static async connect(host: string, port: number, timeoutMs = 30_000): Promise<RawImapClient> {
    const socket = net.connect({ host, port });
    socket.setNoDelay(true);
    const client = new RawImapClient(socket);
    const greeting = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no IMAP greeting from ${host}:${port}`)), timeoutMs);
      client.greetingWaiter = {
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
    if (!/^\* (OK|PREAUTH)/i.test(greeting)) {
      client.close();
      throw new ImapError(`unexpected greeting: ${greeting}`);
    }
    return client;
  }

  private fail(err: Error): void {
    if (this.closed) return;
    this.closed = true;
    const p = this.pending;
    this.pending = null;
    p?.reject(err);
    const g = this.greetingWaiter;
    this.greetingWaiter = null;
    g?.reject(err);
  }

  private onData(chunk: Buffer): void {
    if (this.pending) this.pending.bytes += chunk.length;
    this.buf = this.pos < this.buf.length ? Buffer.concat([this.buf.subarray(this.pos), chunk]) : chunk;
    this.pos = 0;
    for (;;) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, this.buf.length - this.pos);
        this.pos += n;
        this.skip -= n;
        if (this.skip > 0) return;
      }
      const eol = this.buf.indexOf(CRLF, this.pos);
      if (eol < 0) return;
      const start = this.pos;
      this.pos = eol + 2;
      // a literal is announced by "{n}" or "{n+}" at the end of the line
      if (eol > start && this.buf[eol - 1] === 0x7d) {
        const piece = this.buf.toString('latin1', start, eol);
        const lit = LITERAL_AT_END.exec(piece);
        if (lit) {
          // the response continues after the literal payload
          this.current.push(piece);
          this.skip = Number(lit[1]);
          continue;
        }
      }
      // a whole untagged line that nobody collects is only counted: no string is made of it (a
      // flag sync is 100,000 lines; the client should cost as little as possible, for every server)
      if (!this.current.length && this.pending && !this.pending.collect && this.buf[start] === 0x2a && this.buf[start + 1] === 0x20) {
        this.pending.untagged++;
        continue;
      }
      this.current.push(this.buf.toString('latin1', start, eol));
      const line = this.current.length === 1 ? this.current[0]! : this.current.join('');
      this.current = [];
      this.onLine(line);
    }
  }

  private onLine(line: string): void {
    if (this.greetingWaiter) {
      const g = this.greetingWaiter;
      this.greetingWaiter = null;
      g.resolve(line);
      return;
    }
    const p = this.pending;
    if (!p) return; // unsolicited (e.g. BYE after LOGOUT)
    if (line.startsWith(p.tag + ' ')) {
      this.pending = null;
      const text = line.slice(p.tag.length + 1);
      const status = text.split(' ', 1)[0]!.toUpperCase();
      p.resolve({ status, text, lines: p.lines, untagged: p.untagged, bytes: p.bytes });
      return;
    }
    if (line.startsWith('* ')) p.untagged++;
    if (p.collect) p.lines.push(line);
  }

  /**
   * Sends `command` (without tag and CRLF; a Buffer literal may follow as LITERAL+) and resolves
   * with the tagged response. Rejects on NO/BAD unless `allowFail` is set.
   */
  command(command: string, opts: { collect?: boolean; literal?: Buffer; allowFail?: boolean } = {}): Promise<ImapResponse> {
    if (this.closed) return Promise.reject(new Error('connection closed'));
    if (this.pending) return Promise.reject(new Error('one command at a time'));
    const tag = `b${++this.tagN}`;
    return new Promise<ImapResponse>((resolve, reject) => {
      this.pending = {
        tag,
        collect: opts.collect ?? false,
        lines: [],
        untagged: 0,
        bytes: 0,
        resolve: (r) => {
          if (r.status !== 'OK' && !opts.allowFail) reject(new ImapError(`${command.slice(0, 60)} → ${r.text}`, r));
          else resolve(r);
        },
        reject,
      };
      if (opts.literal) {
        this.socket.write(`${tag} ${command} {${opts.literal.length}+}\r\n`);
        this.socket.write(opts.literal);
        this.socket.write('\r\n');
      } else {
        this.socket.write(`${tag} ${command}\r\n`);
      }
    });
  }

  login(user: string, password: string): Promise<ImapResponse> {
    return this.command(`LOGIN ${quote(user)} ${quote(password)}`);
  }

  /** LOGOUT, then closes the socket. */
  async logout(): Promise<void> {
    try {
      await this.command('LOGOUT');
    } finally {
      this.close();
    }
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }
}

export function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The number in `* n EXISTS` from a SELECT response collected with `collect: true`. */
export function existsOf(r: ImapResponse): number {
  for (const l of r.lines) {
    const m = /^\* (\d+) EXISTS/i.exec(l);
    if (m) return Number(m[1]);
  }
  throw new ImapError('no EXISTS in SELECT response', r);
}
