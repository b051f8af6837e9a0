import type { Logger } from 'pino';
import type { MailStore, UserRecord } from '../../store/types.js';
import type { Maildrop } from '../maildrop.js';

/** RFC 1939 states. UPDATE is entered by QUIT from TRANSACTION and ends the connection. */
export type Pop3State = 'authorization' | 'transaction' | 'update';

/** What a command handler may use; implemented by Pop3Connection. */
export interface Session {
  readonly id: string;
  readonly store: MailStore;
  readonly logger: Logger;
  readonly state: Pop3State;
  readonly user: UserRecord | null;
  /** The INBOX snapshot, set once authenticated. */
  readonly maildrop: Maildrop | null;
  /** Name given with USER, waiting for PASS. */
  pendingUser: string | null;
  /** The connection runs over TLS (after STLS). */
  readonly secure: boolean;
  /** STLS can be offered (a certificate is configured and TLS is not active yet). */
  readonly canStartTls: boolean;
  /** Plaintext USER/PASS and AUTH PLAIN are allowed now. */
  readonly plaintextAuthAllowed: boolean;
  capabilities(): string[];
  /** Writes `+OK text`. */
  ok(text: string): void;
  /** Writes `+OK text`, then the body byte-stuffed and the terminating `.` line. */
  multiline(text: string, body: Buffer | string[]): Promise<void>;
  /** Writes a SASL continuation (`+ data`). */
  continuation(data: string): void;
  /** The next line the client sends (without CRLF); used by AUTH. */
  readLine(): Promise<string>;
  /** Checks credentials, opens the maildrop and enters TRANSACTION; throws -ERR [AUTH] after a pause on failure. */
  authenticate(username: string, password: string): Promise<void>;
  /** Answers +OK and switches the socket to TLS. */
  startTls(): Promise<void>;
  /** Ends the session after the current response (QUIT). */
  quit(): void;
  /** Enters UPDATE state (QUIT from TRANSACTION). */
  enterUpdate(): void;
}

export interface CommandContext {
  /** Upper-cased command name. */
  command: string;
  /** Everything after the command name and one space, as sent (PASS keeps its spaces). */
  rest: string;
  /** `rest` split on spaces. */
  args: string[];
  session: Session;
}

export interface Pop3Command {
  name: string;
  states: Pop3State[];
  handle(ctx: CommandContext): Promise<void>;
}
