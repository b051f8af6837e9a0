/**
 * One IMAP client connection: socket state, command framing (lines and literals, incl.
 * LITERAL+), gatekeeping (state checks, limits, timeouts) and mapping errors to NO/BAD.
 * Command semantics live in ./commands.
 */
import type { Socket } from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { StoreError, type MailStore, type UserRecord } from '../store/index.js';
import { ImapError } from './errors.js';
import { extractTag, parseCommand, type ParsedCommand } from './parser/tokenizer.js';
import { serialize, type ImapOut } from './response.js';
import type { SelectedMailbox } from './selected.js';
import type { CommandResult, ImapCommand, ImapState, Session } from './commands/types.js';

import { MAX_BUFFERED_BYTES, IDLE_TIMEOUT_MS, MAX_LINE_BYTES, MAX_LITERAL_BYTES, PREAUTH_MAX_COMMANDS, PREAUTH_MAX_MS, PREAUTH_TIMEOUT_MS } from './limits.js';
import { LoginThrottle } from './login-throttle.js';

export const BASE_CAPABILITIES = [
  'IMAP4rev1', 'LITERAL+', 'SASL-IR', 'ID', 'ENABLE', 'IDLE', 'NAMESPACE', 'UNSELECT', 'CHILDREN',
  'SPECIAL-USE', 'CREATE-SPECIAL-USE', 'UIDPLUS', 'MOVE', 'CONDSTORE', 'QRESYNC', 'ESEARCH', 'LIST-EXTENDED', 'LIST-STATUS', 'STATUS=SIZE', 'SORT', 'SORT=DISPLAY', 'THREAD=ORDEREDSUBJECT', 'THREAD=REFERENCES', 'QUOTA', 'QUOTA=RES-STORAGE',
];

let nextId = 1;
/** buffers at least this big are written without being copied into a joined buffer */
const WRITE_COPY_LIMIT = 64 * 1024;
/** queued output above this is written at once, without waiting for the end of the event-loop turn */
const WRITE_QUEUE_BYTES = 256 * 1024;

export interface ConnectionOptions {
  store: MailStore;
  logger: Logger;
  commands: Map<string, ImapCommand>;
  hideCapabilities?: string[];
  onClose?: () => void;
  /** TLS context for STARTTLS (plain listener) */
  tlsContext?: tls.SecureContext;
  /** the socket is already TLS (implicit TLS listener) */
  secure?: boolean;
  /** plaintext LOGIN/AUTHENTICATE allowed before STARTTLS even when STARTTLS is offered */
  allowInsecureAuth?: boolean;
  /** failed-login limits shared by the server's connections */
  loginThrottle?: LoginThrottle;
  /** limits of unauthenticated sessions (defaults PREAUTH_MAX_MS, PREAUTH_MAX_COMMANDS) */
  preauth?: PreauthLimits;
}

export interface PreauthLimits {
  /** total time before login, however active the client is */
  maxMs?: number;
  /** commands before login */
  maxCommands?: number;
}

export class ImapConnection implements Session {
  readonly id: string;
  readonly store: MailStore;
  readonly logger: Logger;
  /** The per-command debug line costs an object per command; the level is read once per connection. */
  private readonly logDebug: boolean;
  state: ImapState = 'not-authenticated';
  user: UserRecord | null = null;
  selected: SelectedMailbox | null = null;
  readonly enabled = new Set<string>();
  failedLogins = 0;
  readonly remoteAddress: string | undefined;
  readonly loginThrottle: LoginThrottle;
  private preauthCommands = 0;
  private preauthTimer: NodeJS.Timeout | null = null;

  private buffer: Buffer = Buffer.alloc(0);
  private chunks: Buffer[] = [];
  private chunksSize = 0;
  private literalRemaining = 0;
  private discardBytes = 0;
  private discardLine = false;
  private busy = false;
  private lineWaiter: ((line: string) => void) | null = null;
  private closed = false;
  private idleListener: (() => void) | null = null;
  private hidden: Set<string>;

  secure: boolean;

  constructor(private socket: Socket, private opts: ConnectionOptions) {
    this.secure = !!opts.secure;
    this.id = `imap-${process.pid}-${nextId++}`;
    this.store = opts.store;
    this.logger = opts.logger.child({ cid: this.id });
    this.logDebug = this.logger.isLevelEnabled('debug');
    this.hidden = new Set((opts.hideCapabilities ?? []).map((c) => c.toUpperCase()));
    // extensions of a hidden extension go with it
    if (this.hidden.has('SORT')) this.hidden.add('SORT=DISPLAY');
    if (this.hidden.has('SPECIAL-USE')) this.hidden.add('CREATE-SPECIAL-USE');
    this.remoteAddress = socket.remoteAddress;
    this.loginThrottle = opts.loginThrottle ?? new LoginThrottle();
  }

  start(): void {
    this.attach(this.socket);
    this.logger.info({ remote: this.socket.remoteAddress, secure: this.secure }, 'connection opened');
    this.writeLine(`* OK [CAPABILITY ${this.capabilities().join(' ')}] Mailroom IMAP ready`);
    this.preauthTimer = setTimeout(() => {
      if (this.state !== 'not-authenticated' || this.closed) return;
      this.logger.info('closing: no login in time');
      this.writeLine('* BYE Login time limit exceeded');
      this.end();
    }, this.opts.preauth?.maxMs ?? PREAUTH_MAX_MS);
    this.preauthTimer.unref();
  }

  private attach(s: Socket): void {
    s.setNoDelay(true);
    s.setTimeout(this.state === 'not-authenticated' ? PREAUTH_TIMEOUT_MS : IDLE_TIMEOUT_MS);
    s.on('data', (d: Buffer) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, d]) : d;
      // backpressure: stop reading while a command runs and the client keeps pipelining
      if (this.buffer.length > MAX_BUFFERED_BYTES) s.pause();
      this.pump();
    });
    s.on('timeout', () => {
      this.logger.info('autologout on inactivity');
      this.writeLine('* BYE Autologout; idle for too long');
      this.end();
    });
    s.on('error', (err) => this.logger.debug({ err }, 'socket error'));
    s.on('close', () => this.cleanup());
  }

  /** True when STARTTLS can be offered on this connection. */
  canStartTls(): boolean {
    return !!this.opts.tlsContext && !this.secure;
  }

  /** Upgrades the plain socket to TLS (called after the tagged OK of STARTTLS was written). */
  startTls(): void {
    const ctx = this.opts.tlsContext;
    if (!ctx || this.secure) return;
    this.flushOutput(); // the tagged OK goes out in plain text
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('timeout');
    plain.removeAllListeners('close');
    plain.setTimeout(0);
    // RFC 3501 6.2.1: anything the client pipelined after STARTTLS is discarded
    this.buffer = Buffer.alloc(0);
    this.chunks = [];
    this.chunksSize = 0;
    const secure = new tls.TLSSocket(plain, { isServer: true, secureContext: ctx });
    this.socket = secure;
    this.secure = true;
    this.attach(secure);
    this.logger.info('TLS started');
  }

  /**
   * True when LOGIN/AUTHENTICATE must wait for STARTTLS: a certificate is configured, the
   * connection is still plain and insecure auth was not allowed (RFC 3501 6.2.3, 7.2.1).
   */
  loginDisabled(): boolean {
    return this.canStartTls() && !this.opts.allowInsecureAuth;
  }

  // ---------- Session API ----------

  capabilities(): string[] {
    return this.capabilitySet().list.slice();
  }
  private capsCache: { preauth: boolean; secure: boolean; list: string[]; upper: Set<string> } | null = null;
  /** The capability list depends only on the login state and on TLS: computed once per combination. */
  private capabilitySet(): { list: string[]; upper: Set<string> } {
    const preauth = this.state === 'not-authenticated';
    const c = this.capsCache;
    if (c && c.preauth === preauth && c.secure === this.secure) return c;
    const list = this.computeCapabilities();
    this.capsCache = { preauth, secure: this.secure, list, upper: new Set(list.map((x) => x.toUpperCase())) };
    return this.capsCache;
  }
  private computeCapabilities(): string[] {
    const caps = [...BASE_CAPABILITIES, `APPENDLIMIT=${this.store.maxMessageSize}`];
    if (this.state === 'not-authenticated') {
      if (this.canStartTls()) caps.push('STARTTLS');
      if (this.loginDisabled()) caps.push('LOGINDISABLED');
      else caps.push('AUTH=PLAIN');
    }
    return caps.filter((c) => !this.hidden.has(c.toUpperCase()));
  }
  hasCapability(name: string): boolean {
    return this.capabilitySet().upper.has(name.toUpperCase());
  }
  untagged(...values: ImapOut[]): void {
    const chunks: Array<string | Buffer> = ['* '];
    values.forEach((v, i) => {
      if (i) chunks.push(' ');
      serialize(v, chunks);
    });
    chunks.push('\r\n');
    this.writeChunks(chunks);
  }
  writeLine(line: string): void {
    this.writeChunks([line + '\r\n']);
  }
  /**
   * Queues output; the queue is written when a command's tagged response is out, when it grows past
   * WRITE_QUEUE_BYTES, before waiting for the client (continuation, readLine), and otherwise, when no
   * command runs or the running one waits for the client (IDLE's updates), at the end of the
   * event-loop turn. One socket write per response instead of one per line: a SELECT is ten lines.
   */
  writeChunks(chunks: Array<string | Buffer>): void {
    if (this.closed || this.socket.destroyed) return;
    for (const c of chunks) {
      this.outQueue.push(c);
      this.outBytes += c.length;
    }
    if (this.outBytes >= WRITE_QUEUE_BYTES) this.flushOutput();
    // a running command's output goes out with its tagged response (or before it waits for the
    // client): no timer per command that is cleared again a few µs later
    else if (!this.busy || this.lineWaiter) this.flushTimer ??= setImmediate(() => {
      this.flushTimer = null;
      this.flushOutput();
    });
  }
  private outQueue: Array<string | Buffer> = [];
  private outBytes = 0;
  private flushTimer: NodeJS.Immediate | null = null;
  /** Writes the queued output now. */
  flushOutput(): void {
    if (this.flushTimer) {
      clearImmediate(this.flushTimer);
      this.flushTimer = null;
    }
    const chunks = this.outQueue;
    if (!chunks.length) return;
    this.outQueue = [];
    this.outBytes = 0;
    if (this.socket.destroyed) return;
    // the usual response: text only, one write without corking
    let allText = true;
    for (const c of chunks) if (typeof c !== 'string') { allText = false; break; }
    if (allText) {
      this.socket.write(chunks.length === 1 ? (chunks[0] as string) : chunks.join(''), 'latin1');
      return;
    }
    // join small pieces to limit syscalls; big literals (message bodies) are written as they are,
    // never copied into one more buffer (a 25 MB FETCH BODY[] holds the message once)
    let small: Buffer[] = [];
    let smallBytes = 0;
    let text = '';
    const takeText = () => {
      if (!text) return;
      const b = Buffer.from(text, 'latin1');
      text = '';
      small.push(b);
      smallBytes += b.length;
    };
    const flushSmall = () => {
      takeText();
      if (small.length) this.socket.write(small.length === 1 ? small[0]! : Buffer.concat(small, smallBytes));
      small = [];
      smallBytes = 0;
    };
    this.socket.cork();
    for (const c of chunks) {
      if (typeof c === 'string') text += c;
      else if (c.length >= WRITE_COPY_LIMIT) {
        flushSmall();
        this.socket.write(c);
      } else {
        takeText();
        small.push(c);
        smallBytes += c.length;
      }
    }
    flushSmall();
    this.socket.uncork();
  }
  /** Waits until the socket buffer drained (backpressure for large FETCH responses). */
  async drain(): Promise<void> {
    // what is still queued is below WRITE_QUEUE_BYTES: it goes out with the tagged response
    if (this.closed || this.socket.destroyed || !this.socket.writableNeedDrain) return;
    await new Promise<void>((resolve) => {
      const done = () => { this.socket.off('drain', done); this.socket.off('close', done); resolve(); };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }
  continuation(text: string): void {
    this.writeLine(`+ ${text}`);
    this.flushOutput(); // the client waits for it
  }
  readLine(): Promise<string> {
    this.flushOutput(); // what the command wrote so far (IDLE's first updates), before waiting for the client
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new ImapError('BAD', 'Connection closed'));
      this.lineWaiter = (line) => {
        this.lineWaiter = null;
        resolve(line);
      };
      this.closeWaiter = () => reject(new ImapError('BAD', 'Connection closed'));
      queueMicrotask(() => this.pump());
    });
  }
  private closeWaiter: (() => void) | null = null;

  login(user: UserRecord): void {
    this.user = user;
    this.state = 'authenticated';
    this.socket.setTimeout(IDLE_TIMEOUT_MS);
    if (this.preauthTimer) clearTimeout(this.preauthTimer);
    this.preauthTimer = null;
    this.logger.info({ user: user.email }, 'authenticated');
  }
  select(view: SelectedMailbox): void {
    this.deselect();
    this.selected = view;
    this.state = 'selected';
  }
  deselect(): void {
    if (this.selected) this.selected.close();
    this.selected = null;
    if (this.state === 'selected') this.state = 'authenticated';
  }
  logout(): void {
    this.state = 'logout';
  }
  reportExpunged(uids: number[]): void {
    if (!this.selected) return;
    for (const line of this.selected.expungeLines(uids, this.enabled.has('QRESYNC'))) this.writeLine(line);
  }
  flushPending(allowExpunge: boolean): void {
    if (!this.selected) return;
    for (const line of this.selected.drain(allowExpunge, this.enabled.has('CONDSTORE'), this.enabled.has('QRESYNC'))) this.writeLine(line);
  }
  setIdle(listener: (() => void) | null): void {
    this.idleListener = listener;
    if (this.selected) this.selected.onChange = listener;
  }

  // ---------- framing ----------

  private takeLine(): Buffer | null {
    const idx = this.buffer.indexOf(0x0a);
    if (idx < 0) return null;
    const line = this.buffer.subarray(0, idx + 1);
    this.buffer = this.buffer.subarray(idx + 1);
    return line;
  }

  private pump(): void {
    try {
      this.pumpUnsafe();
      if (this.buffer.length <= MAX_BUFFERED_BYTES && this.socket.isPaused() && !this.closed) this.socket.resume();
    } catch (err) {
      this.logger.error({ err }, 'framing error');
      this.writeLine('* BYE Internal error');
      this.end();
    }
  }

  private pumpUnsafe(): void {
    while (!this.closed) {
      if (this.discardBytes > 0) {
        const n = Math.min(this.discardBytes, this.buffer.length);
        if (!n) return;
        this.buffer = this.buffer.subarray(n);
        this.discardBytes -= n;
        continue;
      }
      if (this.discardLine) {
        const line = this.takeLine();
        if (!line) { if (this.buffer.length > MAX_LINE_BYTES) this.buffer = Buffer.alloc(0); return; }
        this.discardLine = false;
        continue;
      }
      if (this.lineWaiter) {
        const line = this.takeLine();
        if (!line) return this.checkLineLength();
        this.lineWaiter(line.toString('utf8').replace(/\r?\n$/, ''));
        continue;
      }
      if (this.busy) return;
      if (this.literalRemaining > 0) {
        const n = Math.min(this.literalRemaining, this.buffer.length);
        if (!n) return;
        this.chunks.push(this.buffer.subarray(0, n));
        this.buffer = this.buffer.subarray(n);
        this.literalRemaining -= n;
        continue;
      }
      const line = this.takeLine();
      if (!line) return this.checkLineLength();
      // a whole overlong line can arrive in one read; the limit must not depend on TCP segmentation
      if (line.length > MAX_LINE_BYTES + 2) return this.lineTooLong();
      this.chunks.push(line);
      this.chunksSize += line.length;
      // from the last '{': a fixed-size window missed announcements with many leading zeros, so the
      // framing took the literal's data for the next command while the parser saw a literal (smuggling)
      const close = line.length - (line[line.length - 2] === 0x0d ? 3 : 2); // the byte before [CR]LF
      const brace = line[close] === 0x7d ? line.lastIndexOf(0x7b) : -1;
      const m = brace < 0 ? null : /\{(\d+)(\+?)\}\r?\n$/.exec(line.toString('latin1', brace));
      if (m) {
        const n = Number(m[1]);
        const nonSync = m[2] === '+';
        const first = this.chunks[0]!;
        const isAppend = /^\S+ APPEND /i.test(first.toString('latin1', 0, 128));
        const limit = isAppend ? this.store.maxMessageSize : MAX_LITERAL_BYTES;
        if (!Number.isSafeInteger(n) || n > limit || this.chunksSize + n > limit + MAX_LINE_BYTES * 4) {
          const tag = extractTag(first);
          this.chunks = [];
          this.chunksSize = 0;
          this.writeLine(`${tag} ${isAppend ? 'NO [TOOBIG] Message too large' : 'BAD Literal too large'}`);
          if (nonSync) { this.discardBytes = Number.isSafeInteger(n) ? n : 0; this.discardLine = true; }
          continue;
        }
        this.chunksSize += n;
        this.literalRemaining = n;
        if (!nonSync) this.continuation('Ready for literal data');
        continue;
      }
      const cmd = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      this.chunks = [];
      this.chunksSize = 0;
      if (cmd.length <= 2 && isBlankLine(cmd)) continue; // empty line
      this.busy = true;
      // one promise per command: run() answers its handler's errors itself
      void this.run(cmd).then(this.commandDone, this.commandFailed);
      return;
    }
  }

  private readonly commandDone = (): void => {
    this.busy = false;
    this.flushOutput();
    if (this.state === 'logout') return this.end();
    this.pump();
  };

  private readonly commandFailed = (err: unknown): void => {
    try {
      this.logger.error({ err }, 'command dispatch failed');
      this.writeLine('* BAD Internal error');
    } finally {
      this.commandDone();
    }
  };

  private checkLineLength(): void {
    if (this.buffer.length > MAX_LINE_BYTES) this.lineTooLong();
  }

  private lineTooLong(): void {
    this.logger.warn('line too long');
    this.writeLine('* BYE Line too long');
    this.end();
  }

  // ---------- dispatch ----------

  private async run(buf: Buffer): Promise<void> {
    // unparsable lines count too: a client cannot stay unauthenticated by sending garbage
    if (this.state === 'not-authenticated' && ++this.preauthCommands > (this.opts.preauth?.maxCommands ?? PREAUTH_MAX_COMMANDS)) {
      this.logger.info('closing: too many commands without login');
      this.writeLine('* BYE Too many commands without authentication');
      this.logout();
      return;
    }
    let parsed: ParsedCommand;
    try {
      parsed = parseCommand(buf);
    } catch (err) {
      const tag = extractTag(buf);
      const msg = err instanceof ImapError ? err.message : 'Syntax error';
      this.logger.debug({ msg }, 'unparsable command');
      this.writeLine(`${tag} BAD ${msg}`);
      return;
    }
    const { tag } = parsed;
    const cmd = this.opts.commands.get(parsed.command);
    const name = (parsed.uid ? 'UID ' : '') + parsed.command;
    if (!cmd || (parsed.uid && !cmd.uid)) {
      this.writeLine(`${tag} BAD Unknown command ${sanitize(name)}`);
      return;
    }
    if (!cmd.states.includes(this.state)) {
      const why = this.state === 'not-authenticated' ? 'Not authenticated' : this.state === 'authenticated' && cmd.states.includes('selected') ? 'No mailbox selected' : 'Command not valid in this state';
      this.writeLine(`${tag} BAD ${why}`);
      return;
    }
    if (this.logDebug) this.logger.debug({ tag, command: name }, 'command');
    let result: CommandResult = {};
    try {
      result = (await cmd.handle({ tag, command: parsed.command, uid: parsed.uid, args: parsed.args, session: this })) ?? {};
    } catch (err) {
      if (err instanceof ImapError) result = { status: err.status, code: err.code, text: err.message };
      else if (err instanceof StoreError) result = { status: 'NO', code: err.code, text: err.message };
      else {
        this.logger.error({ err, command: name }, 'command failed');
        result = { status: 'NO', code: 'SERVERBUG', text: 'Internal server error' };
      }
    }
    this.setIdle(null);
    if (this.state !== 'logout') this.flushPending(cmd.expungeAfter ? cmd.expungeAfter(parsed.uid) : true);
    if (this.selected?.deleted) {
      // another session deleted the mailbox we have selected (RFC 3501 leaves this to the server)
      this.writeLine('* BYE Selected mailbox was deleted');
      this.logout();
    }
    const status = result.status ?? 'OK';
    // the command name was parsed as an atom: only a handler's own text needs cleaning
    const text = result.text === undefined ? `${name} completed` : sanitize(result.text);
    this.writeLine(`${tag} ${status}${result.code ? ` [${result.code}]` : ''} ${text}`);
    this.flushOutput();
    if (status === 'OK' && result.after) result.after();
  }

  end(): void {
    if (this.closed) return;
    this.flushOutput();
    this.closed = true;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 2000).unref();
    this.cleanup();
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
    this.cleanup();
  }

  private cleanupDone = false;
  private cleanup(): void {
    this.closed = true;
    if (this.cleanupDone) return;
    this.cleanupDone = true;
    if (this.preauthTimer) clearTimeout(this.preauthTimer);
    this.preauthTimer = null;
    this.deselect();
    this.idleListener = null;
    const w = this.closeWaiter;
    this.closeWaiter = null;
    this.lineWaiter = null;
    w?.();
    this.logger.info('connection closed');
    this.opts.onClose?.();
  }
}

/** A line of at most CR LF and blanks (what is left of an empty line). */
function isBlankLine(line: Buffer): boolean {
  for (const c of line) if (c !== 0x0d && c !== 0x0a && c !== 0x20 && c !== 0x09) return false;
  return true;
}

function sanitize(text: string): string {
  return text.replace(/[\r\n\x00]/g, ' ').slice(0, 300);
}
