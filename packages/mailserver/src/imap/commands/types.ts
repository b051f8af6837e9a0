import type { Logger } from 'pino';
import type { MailStore, UserRecord } from '../../store/index.js';
import type { Token } from '../parser/tokenizer.js';
import type { ImapOut } from '../response.js';
import type { SelectedMailbox } from '../selected.js';
import type { LoginThrottle } from '../login-throttle.js';

export type ImapState = 'not-authenticated' | 'authenticated' | 'selected' | 'logout';

export interface CommandResult {
  status?: 'OK' | 'NO' | 'BAD';
  code?: string;
  text?: string;
  /** runs right after the tagged response was written (STARTTLS upgrades the socket here) */
  after?: () => void;
}

/** What a command handler may use; implemented by ImapConnection. */
export interface Session {
  readonly id: string;
  readonly store: MailStore;
  readonly logger: Logger;
  readonly state: ImapState;
  readonly user: UserRecord | null;
  readonly selected: SelectedMailbox | null;
  readonly enabled: Set<string>;
  /** failed LOGIN/AUTHENTICATE attempts on this connection */
  failedLogins: number;
  /** client IP address */
  readonly remoteAddress: string | undefined;
  /** failed-login limits shared by the server's connections (per IP and per user name) */
  readonly loginThrottle: LoginThrottle;
  capabilities(): string[];
  hasCapability(name: string): boolean;
  /** Writes "* " + the serialised values + CRLF. */
  untagged(...values: ImapOut[]): void;
  /** Writes a complete pre-serialised line (CRLF appended). */
  writeLine(line: string): void;
  /** Writes pre-serialised chunks (strings are latin1, buffers raw). */
  writeChunks(chunks: Array<string | Buffer>): void;
  /** Resolves when the socket's write buffer drained (backpressure). */
  drain(): Promise<void>;
  /** Writes the queued output now (output is otherwise coalesced until the response is complete). */
  flushOutput(): void;
  /** Writes "+ text". */
  continuation(text: string): void;
  /** Resolves with the next line the client sends (without CRLF); used by AUTHENTICATE and IDLE. */
  readLine(): Promise<string>;
  login(user: UserRecord): void;
  select(view: SelectedMailbox): void;
  deselect(): void;
  logout(): void;
  /** Removes expunged UIDs from the view and reports them (EXPUNGE, or VANISHED with QRESYNC). */
  reportExpunged(uids: number[]): void;
  /** Flushes pending untagged responses of the selected mailbox (used by IDLE). */
  flushPending(allowExpunge: boolean): void;
  readonly secure: boolean;
  canStartTls(): boolean;
  /** LOGIN/AUTHENTICATE refused until STARTTLS (LOGINDISABLED advertised) */
  loginDisabled(): boolean;
  startTls(): void;
  /** Sets a listener called when the selected mailbox changes (IDLE wake-up). */
  setIdle(listener: (() => void) | null): void;
}

export interface CommandContext {
  tag: string;
  command: string;
  uid: boolean;
  args: Token[];
  session: Session;
}

export interface ImapCommand {
  name: string;
  states: ImapState[];
  /** Whether UID variant exists (UID FETCH, UID STORE, ...). */
  uid?: boolean;
  /** false for commands that address messages by sequence number (FETCH/STORE/SEARCH/COPY): EXPUNGEs are held back. */
  expungeAfter?: (uid: boolean) => boolean;
  handle(ctx: CommandContext): Promise<CommandResult | void>;
}
