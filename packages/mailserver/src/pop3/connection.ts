/**
 * One POP3 client connection: socket state (incl. the STLS upgrade), line framing, gatekeeping
 * (state checks, limits, timeouts, authentication delays) and mapping errors to `-ERR`.
 * Command semantics live in ./commands.
 */
import type { Socket } from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import type { LoginThrottle } from '../imap/login-throttle.js';
import { StoreError, type MailStore, type UserRecord } from '../store/types.js';
import { Pop3Error, err } from './errors.js';
import {
  AUTH_FAILURE_DELAY_MS,
  IDLE_TIMEOUT_MS,
  MAX_BAD_COMMANDS,
  MAX_BUFFERED_BYTES,
  MAX_FAILED_LOGINS,
  MAX_LINE_BYTES,
  MAX_PREAUTH_COMMANDS,
  PREAUTH_TIMEOUT_MS,
} from './limits.js';
import { Maildrop, stuff } from './maildrop.js';
import { SASL_MECHANISMS } from './commands/auth.js';
import type { Pop3Command, Pop3State, Session } from './commands/types.js';

let nextId = 1;

export interface Pop3Limits {
  preauthTimeoutMs: number;
  idleTimeoutMs: number;
  authFailureDelayMs: number;
  maxPreauthCommands: number;
  maxFailedLogins: number;
}

export const DEFAULT_POP3_LIMITS: Pop3Limits = {
  preauthTimeoutMs: PREAUTH_TIMEOUT_MS,
  idleTimeoutMs: IDLE_TIMEOUT_MS,
  authFailureDelayMs: AUTH_FAILURE_DELAY_MS,
  maxPreauthCommands: MAX_PREAUTH_COMMANDS,
  maxFailedLogins: MAX_FAILED_LOGINS,
};

export interface Pop3ConnectionOptions {
  store: MailStore;
  logger: Logger;
  commands: Map<string, Pop3Command>;
  /** Present when a certificate is configured: STLS is offered. */
  secureContext?: tls.SecureContext;
  /** Allow USER/PASS and AUTH PLAIN before STLS even though STLS is offered. */
  allowInsecureAuth: boolean;
  hostname: string;
  limits: Pop3Limits;
  /** Failed logins across connections; locked IPs / user names get -ERR [SYS/TEMP] without a password check. */
  loginThrottle?: LoginThrottle;
  onClose?: () => void;
}

interface SocketHandlers {
  data: (d: Buffer) => void;
  timeout: () => void;
  error: (e: Error) => void;
  close: () => void;
}

export class Pop3Connection implements Session {
  readonly id: string;
  readonly store: MailStore;
  readonly logger: Logger;
  state: Pop3State = 'authorization';
  user: UserRecord | null = null;
  maildrop: Maildrop | null = null;
  pendingUser: string | null = null;
  secure = false;

  private socket: Socket;
  private handlers: SocketHandlers;
  private buffer: Buffer = Buffer.alloc(0);
  private busy = false;
  private closed = false;
  private quitting = false;
  private lineWaiter: ((line: string) => void) | null = null;
  private closeWaiter: (() => void) | null = null;
  private failedLogins = 0;
  private preauthCommands = 0;
  private badCommands = 0;

  constructor(socket: Socket, private opts: Pop3ConnectionOptions) {
    this.id = `pop3-${process.pid}-${nextId++}`;
    this.store = opts.store;
    this.logger = opts.logger.child({ cid: this.id });
    this.socket = socket;
    this.handlers = {
      data: (d) => {
        this.buffer = this.buffer.length ? Buffer.concat([this.buffer, d]) : d;
        // a client that pipelines faster than we answer is slowed down, not buffered without bound
        if (this.buffer.length > MAX_BUFFERED_BYTES) this.socket.pause();
        this.pump();
      },
      timeout: () => {
        this.logger.info('autologout on inactivity');
        this.writeLine('-ERR Autologout; idle for too long');
        this.end();
      },
      error: (e) => this.logger.debug({ err: e }, 'socket error'),
      close: () => this.cleanup(),
    };
  }

  start(): void {
    this.socket.setNoDelay(true);
    this.attach(this.socket);
    this.logger.info({ remote: this.socket.remoteAddress }, 'connection opened');
    this.writeLine(`+OK ${this.opts.hostname} Mailroom POP3 ready`);
  }

  private attach(s: Socket): void {
    s.setTimeout(this.state === 'authorization' ? this.opts.limits.preauthTimeoutMs : this.opts.limits.idleTimeoutMs);
    s.on('data', this.handlers.data);
    s.on('timeout', this.handlers.timeout);
    s.on('error', this.handlers.error);
    s.on('close', this.handlers.close);
  }

  private detach(s: Socket): void {
    s.setTimeout(0);
    s.off('data', this.handlers.data);
    s.off('timeout', this.handlers.timeout);
    s.off('close', this.handlers.close);
    // the error handler stays: an error on the wrapped socket must not go unhandled
  }

  // ---------- Session API ----------

  get canStartTls(): boolean {
    return !!this.opts.secureContext && !this.secure;
  }

  get plaintextAuthAllowed(): boolean {
    return this.secure || !this.opts.secureContext || this.opts.allowInsecureAuth;
  }

  capabilities(): string[] {
    const caps = ['TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING'];
    if (this.state === 'authorization') {
      if (this.plaintextAuthAllowed) caps.push('USER', `SASL ${SASL_MECHANISMS.join(' ')}`);
      if (this.canStartTls) caps.push('STLS');
    }
    caps.push('IMPLEMENTATION Mailroom');
    return caps;
  }

  ok(text: string): void {
    this.writeLine(text ? `+OK ${sanitize(text)}` : '+OK');
  }

  async multiline(text: string, body: Buffer | string[]): Promise<void> {
    const chunks: Buffer[] = [Buffer.from(`+OK ${sanitize(text)}\r\n`, 'utf8')];
    if (Array.isArray(body)) {
      for (const line of body) chunks.push(Buffer.from(`${line.startsWith('.') ? '.' : ''}${sanitize(line)}\r\n`, 'utf8'));
    } else {
      chunks.push(stuff(body)); // body ends with CRLF (toWire) or is empty
    }
    chunks.push(Buffer.from('.\r\n'));
    this.write(Buffer.concat(chunks));
    await this.drain();
  }

  continuation(data: string): void {
    this.writeLine(data ? `+ ${data}` : '+ ');
  }

  readLine(): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(err('Connection closed'));
      this.lineWaiter = (line) => {
        this.lineWaiter = null;
        this.closeWaiter = null;
        resolve(line);
      };
      this.closeWaiter = () => reject(err('Connection closed'));
      queueMicrotask(() => this.pump());
    });
  }

  async authenticate(username: string, password: string): Promise<void> {
    const throttle = this.opts.loginThrottle;
    const ip = this.socket.remoteAddress;
    if (throttle?.isLocked(ip, username)) {
      this.failedLogins++;
      this.logger.info({ user: username.slice(0, 100), ip }, 'authentication refused: too many failures');
      throw err('Too many failed logins; try again later', 'SYS/TEMP');
    }
    const user = username && password ? await this.store.authenticate(username, password) : null;
    if (!user) {
      this.failedLogins++;
      const delay = Math.max(this.opts.limits.authFailureDelayMs, throttle?.recordFailure(ip, username) ?? 0);
      this.logger.info({ user: username.slice(0, 100), ip, delayMs: delay }, 'authentication failed');
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (this.failedLogins >= this.opts.limits.maxFailedLogins) {
        this.quitting = true;
        throw err('Invalid credentials; too many failures, closing connection', 'AUTH');
      }
      throw err('Invalid credentials', 'AUTH');
    }
    throttle?.recordSuccess(ip, username);
    const maildrop = await Maildrop.open(this.store, user.id);
    this.user = user;
    this.maildrop = maildrop;
    this.state = 'transaction';
    this.socket.setTimeout(this.opts.limits.idleTimeoutMs);
    this.logger.info({ user: user.email, messages: maildrop.entries.length }, 'authenticated');
  }

  async startTls(): Promise<void> {
    const context = this.opts.secureContext;
    if (!context) throw err('TLS not available');
    this.ok('Begin TLS negotiation');
    const plain = this.socket;
    // anything pipelined after STLS was sent in clear text and is dropped (RFC 2595 §4)
    this.buffer = Buffer.alloc(0);
    this.pendingUser = null;
    this.detach(plain);
    const secure = new tls.TLSSocket(plain, { isServer: true, secureContext: context });
    this.socket = secure;
    this.secure = true;
    this.attach(secure);
    secure.once('secure', () => this.logger.debug('TLS established'));
  }

  quit(): void {
    this.quitting = true;
  }

  enterUpdate(): void {
    this.state = 'update';
  }

  // ---------- output ----------

  private writeLine(line: string): void {
    this.write(Buffer.from(line + '\r\n', 'utf8'));
  }

  private write(buf: Buffer): void {
    if (this.closed || this.socket.destroyed) return;
    this.socket.write(buf);
  }

  private async drain(): Promise<void> {
    const s = this.socket;
    if (this.closed || s.destroyed || !s.writableNeedDrain) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        s.off('drain', done);
        s.off('close', done);
        resolve();
      };
      s.on('drain', done);
      s.on('close', done);
    });
  }

  // ---------- framing ----------

  private takeLine(): string | null {
    const idx = this.buffer.indexOf(0x0a);
    if (idx < 0) {
      if (this.buffer.length > MAX_LINE_BYTES) this.lineTooLong();
      return null;
    }
    if (idx + 1 > MAX_LINE_BYTES) {
      this.lineTooLong();
      return null;
    }
    const line = this.buffer.toString('utf8', 0, idx).replace(/\r$/, '');
    this.buffer = this.buffer.subarray(idx + 1);
    return line;
  }

  private lineTooLong(): void {
    this.logger.warn('line too long');
    this.buffer = Buffer.alloc(0);
    this.writeLine('-ERR Line too long');
    this.end();
  }

  private pump(): void {
    try {
      while (!this.closed) {
        if (this.lineWaiter) {
          const line = this.takeLine();
          if (line === null) return;
          this.lineWaiter(line);
          continue;
        }
        if (this.busy) return;
        const line = this.takeLine();
        if (line === null) {
          if (this.socket.isPaused()) this.socket.resume();
          return;
        }
        if (line.trim() === '') continue; // tolerate empty lines
        this.busy = true;
        void this.run(line)
          .catch((e: unknown) => {
            this.logger.error({ err: e }, 'command dispatch failed');
            this.writeLine('-ERR [SYS/TEMP] Internal server error');
          })
          .finally(() => {
            this.busy = false;
            if (this.quitting) return this.end();
            this.pump();
          });
        return;
      }
    } catch (e) {
      this.logger.error({ err: e }, 'framing error');
      this.writeLine('-ERR [SYS/TEMP] Internal server error');
      this.end();
    }
  }

  // ---------- dispatch ----------

  private async run(line: string): Promise<void> {
    const m = /^([A-Za-z]{1,16})(?: (.*))?$/s.exec(line);
    const name = m ? m[1]!.toUpperCase() : '';
    const cmd = name ? this.opts.commands.get(name) : undefined;
    if (this.state === 'authorization' && ++this.preauthCommands > this.opts.limits.maxPreauthCommands) {
      this.writeLine('-ERR Too many commands without authentication');
      this.quitting = true;
      return;
    }
    if (!cmd || !cmd.states.includes(this.state)) {
      this.writeLine(!cmd ? '-ERR Unknown command' : this.state === 'authorization' ? '-ERR Not authenticated' : '-ERR Command not valid in this state');
      if (++this.badCommands >= MAX_BAD_COMMANDS) {
        this.writeLine('-ERR Too many invalid commands, closing connection');
        this.quitting = true;
      }
      return;
    }
    const rest = m![2] ?? '';
    const args = rest.trim() === '' ? [] : rest.trim().split(/ +/);
    this.logger.debug({ command: name }, 'command');
    try {
      await cmd.handle({ command: name, rest, args, session: this });
    } catch (e) {
      if (e instanceof Pop3Error) {
        this.writeLine(`-ERR ${e.code ? `[${e.code}] ` : ''}${sanitize(e.message)}`);
      } else if (e instanceof StoreError) {
        this.logger.warn({ err: e, command: name }, 'store refused');
        this.writeLine('-ERR [SYS/TEMP] Mailbox unavailable');
      } else {
        this.logger.error({ err: e, command: name }, 'command failed');
        this.writeLine('-ERR [SYS/TEMP] Internal server error');
      }
    }
  }

  // ---------- teardown ----------

  /** Ends the connection after pending output. Never runs the UPDATE state. */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    const s = this.socket;
    s.end();
    setTimeout(() => s.destroy(), 2000).unref();
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
    const w = this.closeWaiter;
    this.closeWaiter = null;
    this.lineWaiter = null;
    w?.();
    this.logger.info({ update: this.state === 'update' }, 'connection closed');
    this.opts.onClose?.();
  }
}

function sanitize(text: string): string {
  return text.replace(/[\r\n\x00]/g, ' ').slice(0, 500);
}
