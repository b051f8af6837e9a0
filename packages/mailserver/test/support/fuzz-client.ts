/**
 * A raw IMAP client for hostile-input tests. It sends a command as segments (line parts and literal
 * data), honours synchronising literals like a real client (waits for "+" or the tagged answer),
 * answers unexpected continuations (IDLE, AUTHENTICATE) with DONE, and never waits longer than
 * RESPONSE_TIMEOUT_MS for an answer: a timeout is reported as a hang, not awaited forever.
 */
import net from 'node:net';

export const RESPONSE_TIMEOUT_MS = 10_000;

export type Segment = { line: Buffer } | { literal: Buffer };

export type Outcome =
  | { kind: 'tagged'; status: 'OK' | 'NO' | 'BAD'; text: string; lines: string[] }
  | { kind: 'untagged-bad'; text: string; lines: string[] }
  | { kind: 'bye'; text: string; lines: string[] }
  | { kind: 'closed'; lines: string[] }
  | { kind: 'timeout'; lines: string[]; pending: string };

const SYNC_LITERAL_AT_END = /\{(\d+)\}\r?\n$/;

export class FuzzClient {
  private socket!: net.Socket;
  private buf = Buffer.alloc(0);
  private wake: (() => void) | null = null;
  private ended = false;

  async connect(port: number): Promise<string> {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake?.();
    });
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => {
      this.ended = true;
      this.wake?.();
    });
    const greeting = await this.nextLine(RESPONSE_TIMEOUT_MS);
    if (greeting === null || !greeting.startsWith('* OK')) throw new Error(`no greeting: ${String(greeting)}`);
    return greeting;
  }

  get closed(): boolean {
    return this.ended || this.socket.destroyed;
  }

  write(data: Buffer | string): void {
    if (!this.closed) this.socket.write(data);
  }

  destroy(): void {
    this.socket.destroy();
    this.ended = true;
  }

  /** Reads lines until one matches (or null on close/timeout, RESPONSE_TIMEOUT_MS); returns all lines read. */
  async readUntil(re: RegExp): Promise<{ match: string | null; lines: string[] }> {
    const lines: string[] = [];
    for (;;) {
      const l = await this.nextLine(RESPONSE_TIMEOUT_MS);
      if (l === null) return { match: null, lines };
      lines.push(l);
      if (re.test(l)) return { match: l, lines };
    }
  }

  /** Next CRLF/LF-terminated line (latin1, without the line end), null on close or timeout. */
  private async nextLine(timeoutMs: number): Promise<string | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const idx = this.buf.indexOf(0x0a);
      if (idx >= 0) {
        const line = this.buf.toString('latin1', 0, idx).replace(/\r$/, '');
        this.buf = this.buf.subarray(idx + 1);
        // skip over literal payloads in responses (FETCH BODY[] {n})
        const lit = /\{(\d+)\}$/.exec(line);
        if (lit) await this.skipBytes(Number(lit[1]), deadline);
        return line;
      }
      if (this.closed) return null;
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => { clearTimeout(t); this.wake = null; resolve(); };
      });
    }
  }

  private async skipBytes(n: number, deadline: number): Promise<void> {
    while (this.buf.length < n && !this.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.wake = () => { clearTimeout(t); this.wake = null; resolve(); };
      });
    }
    this.buf = this.buf.subarray(Math.min(n, this.buf.length));
  }

  /**
   * Sends the segments of one command tagged `tag` and waits for its outcome. `acceptUntaggedBad`
   * lets a "* BAD" line count as the answer (for lines whose tag the server cannot read).
   */
  async exchange(tag: string, segments: Segment[], acceptUntaggedBad = false): Promise<Outcome> {
    const lines: string[] = [];
    let i = 0;
    let awaitingLiteralGo = false;
    const sendUntilSync = () => {
      while (i < segments.length) {
        const s = segments[i++]!;
        if ('line' in s) {
          this.write(s.line);
          if (SYNC_LITERAL_AT_END.test(s.line.toString('latin1', Math.max(0, s.line.length - 64)))) {
            awaitingLiteralGo = true;
            return;
          }
        } else {
          this.write(s.literal);
        }
      }
    };
    sendUntilSync();
    const tagRe = new RegExp(`^${tag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} (OK|NO|BAD)\\b ?(.*)$`);
    for (;;) {
      const line = await this.nextLine(RESPONSE_TIMEOUT_MS);
      if (line === null) {
        if (this.closed) return { kind: 'closed', lines };
        return { kind: 'timeout', lines, pending: tag };
      }
      lines.push(line);
      const m = tagRe.exec(line);
      if (m) return { kind: 'tagged', status: m[1] as 'OK' | 'NO' | 'BAD', text: m[2] ?? '', lines };
      if (line.startsWith('* BYE')) return { kind: 'bye', text: line.slice(6), lines };
      if (acceptUntaggedBad && line.startsWith('* BAD')) return { kind: 'untagged-bad', text: line.slice(6), lines };
      if (line.startsWith('+')) {
        if (awaitingLiteralGo) {
          awaitingLiteralGo = false;
          sendUntilSync();
        } else {
          // IDLE or AUTHENTICATE waiting for a line
          this.write('DONE\r\n');
        }
      }
    }
  }
}
