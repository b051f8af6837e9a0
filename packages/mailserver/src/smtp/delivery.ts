import { once } from 'node:events';
import type { Logger } from 'pino';
import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { MailStore, UserRecord } from '../store/index.js';
import { StoreError } from '../store/types.js';
import { formatRfc5322Date, headerSafe, splitMessage } from './headers.js';

/** An error mapped to an SMTP reply at the edge: `responseCode` is the reply code, the message starts with the enhanced status code. */
export class SmtpError extends Error {
  readonly responseCode: number;
  constructor(responseCode: number, message: string) {
    super(message);
    this.name = 'SmtpError';
    this.responseCode = responseCode;
  }
}

/** Most recipients accepted for one message (RFC 5321 section 4.5.3.1.8 asks for at least 100). */
export const MAX_RECIPIENTS = 100;
/** More Received fields than this means a mail loop (RFC 5321 section 6.3). */
export const MAX_HOPS = 50;

export type RecipientResolution =
  | { kind: 'local'; user: UserRecord }
  | { kind: 'unknown' }
  | { kind: 'remote' }
  | { kind: 'invalid' };

/** Splits `local@domain`; null when the address has no usable domain part. */
export function splitAddress(address: string): { local: string; domain: string } | null {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return null;
  return { local: address.slice(0, at), domain: address.slice(at + 1).toLowerCase() };
}

/**
 * Resolves an envelope recipient against the store, in this order (like Postfix's virtual maps):
 * a user of a local domain, an alias, the same two without a `+tag` (plus addressing,
 * `user+tag@domain` → `user@domain`), then the domain's catch-all (`@domain`). Unknown local
 * users and other domains are told apart. Throws when the store fails (the caller maps that to 451).
 */
export function resolveRecipient(store: MailStore, address: string): RecipientResolution {
  const parts = splitAddress(address.trim());
  if (!parts) return { kind: 'invalid' };
  if (!store.hasDomain(parts.domain)) return { kind: 'remote' };
  // local parts are matched as given, then lower-cased (users are created in lower case)
  const find = (local: string): UserRecord | null =>
    store.findUser(`${local}@${parts.domain}`) ??
    store.findUser(`${local.toLowerCase()}@${parts.domain}`) ??
    store.findAlias(`${local}@${parts.domain}`);
  const exact = find(parts.local);
  if (exact) return { kind: 'local', user: exact };
  const plus = parts.local.indexOf('+');
  if (plus > 0) {
    const base = find(parts.local.slice(0, plus));
    if (base) return { kind: 'local', user: base };
  }
  const catchAll = store.findAlias(`@${parts.domain}`);
  if (catchAll) return { kind: 'local', user: catchAll };
  return { kind: 'unknown' };
}

/**
 * Classic relay tricks in a recipient of one of our domains (RFC 5321 section 3.6 and appendix C,
 * RFC 2505): the percent hack (`user%other@local`), UUCP bang paths (`other!user@local`) and quoted
 * local parts holding `@` or a route. We never interpret them, so they can only be an attempt to
 * relay: refused with 550 5.7.1 instead of being looked up.
 */
export function relayTrick(address: string): SmtpError | null {
  const parts = splitAddress(address.trim());
  if (!parts) return null;
  const { local } = parts;
  if (local.includes('%')) return new SmtpError(550, '5.7.1 Relay access denied: percent-hack routing is not accepted');
  if (local.includes('!')) return new SmtpError(550, '5.7.1 Relay access denied: bang-path routing is not accepted');
  if (local.includes('@') || local.includes(':') || local.includes(',')) {
    return new SmtpError(550, '5.7.1 Relay access denied: routing in the local part is not accepted');
  }
  return null;
}

const CR_DOT = Buffer.from('\r.', 'latin1');
const LF_DOT = Buffer.from('\n.', 'latin1');

/**
 * SMTP smuggling (CVE-2023-51764 class): a line holding only a dot with a bare LF or bare CR
 * next to it is an end-of-data sequence to some servers and not to others. smtp-server only
 * ends DATA at CRLF.CRLF, so nothing is split here; such a message is refused anyway so that it
 * cannot be relayed to a server that would split it.
 */
export function hasSmugglingSequence(raw: Buffer): boolean {
  // (byte searches instead of a regular expression over the message as a latin1 string: the same
  // answer, test/smtp-data-scanner.test.ts compares the two, without a 100 KB string per message)
  const CR = 0x0d;
  const LF = 0x0a;
  // a first line holding only a dot, ended by a bare LF or a bare CR
  if (raw[0] === 0x2e && (raw[1] === LF || (raw[1] === CR && raw[2] !== LF))) return true;
  // a dot after a bare CR, followed by a line end of any kind
  for (let p = raw.indexOf(CR_DOT); p !== -1; p = raw.indexOf(CR_DOT, p + 1)) {
    const next = raw[p + 2];
    if (next === CR || next === LF) return true;
  }
  // a dot after an LF, followed by a line end of any kind: only CRLF . CRLF is a real one
  for (let p = raw.indexOf(LF_DOT); p !== -1; p = raw.indexOf(LF_DOT, p + 1)) {
    const next = raw[p + 2];
    if (next !== CR && next !== LF) continue;
    if (!(p > 0 && raw[p - 1] === CR && next === CR && raw[p + 3] === LF)) return true;
  }
  return false;
}

export function noSuchUser(address: string): SmtpError {
  return new SmtpError(550, `5.1.1 <${headerSafe(address)}>: no such user here`);
}

/**
 * Bytes kept free in front of a received message for the Return-Path and Received fields of its
 * first local copy (see withTrace): a 100 KB message is then copied once after the socket, not twice.
 */
const TRACE_HEADROOM = 1024;
/** A message read by readMessage → the buffer it lies in, TRACE_HEADROOM bytes before it; deleted once used. */
const headroomOf = new WeakMap<Buffer, Buffer>();

/**
 * Reads the DATA stream into one buffer. Returns null when the message went over the size
 * limit (smtp-server then answers 552 itself because `rejectOversized` is set).
 */
export async function readMessage(stream: SMTPServerDataStream): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let length = 0;
  stream.on('data', (chunk: Buffer) => {
    if (stream.sizeExceeded) return;
    chunks.push(chunk);
    length += chunk.length;
  });
  await once(stream, 'end');
  if (stream.sizeExceeded) return null;
  const framed = Buffer.allocUnsafe(TRACE_HEADROOM + length);
  let at = TRACE_HEADROOM;
  for (const chunk of chunks) at += chunk.copy(framed, at);
  const raw = framed.subarray(TRACE_HEADROOM);
  headroomOf.set(raw, framed);
  return raw;
}

/**
 * `trace` followed by `raw`, as a new buffer; for the first copy of a message from readMessage,
 * the trace fields are written into the free bytes in front of it instead (nothing else ever
 * reads or writes those bytes, and `raw` itself is not changed).
 */
function withTrace(trace: string, raw: Buffer): Buffer {
  const framed = headroomOf.get(raw);
  const length = Buffer.byteLength(trace, 'utf8');
  if (framed && length <= TRACE_HEADROOM) {
    headroomOf.delete(raw);
    framed.write(trace, TRACE_HEADROOM - length, length, 'utf8');
    return framed.subarray(TRACE_HEADROOM - length);
  }
  return Buffer.concat([Buffer.from(trace, 'utf8'), raw]);
}

/** Local users found for accepted RCPT TO addresses (smtp-server's address objects), so that DATA does not look them up again. */
const localAtRcpt = new WeakMap<object, UserRecord>();

export interface TraceInfo {
  /** Greeting name of this server. */
  hostname: string;
  session: SMTPServerSession;
  /** Envelope sender, '' for the null sender. */
  mailFrom: string;
  receivedAt: Date;
}

/** `Return-Path` and `Received` (RFC 5321 section 4.4) for one recipient. */
export function traceHeaders(trace: TraceInfo, recipient: string): string {
  const { session } = trace;
  const helo = headerSafe(session.hostNameAppearsAs || 'unknown');
  const ip = headerSafe(session.remoteAddress || 'unknown');
  const clientName = headerSafe(session.clientHostname || '');
  const from =
    !clientName || clientName.startsWith('[') ? `${helo} ([${ip}])` : `${helo} (${clientName} [${ip}])`;
  const protocol = headerSafe(session.transmissionType || 'ESMTP');
  const id = headerSafe(session.id);
  return (
    `Return-Path: <${headerSafe(trace.mailFrom)}>\r\n` +
    `Received: from ${from}\r\n` +
    `\tby ${headerSafe(trace.hostname)} (Mailroom) with ${protocol} id ${id}\r\n` +
    `\tfor <${headerSafe(recipient)}>; ${formatRfc5322Date(trace.receivedAt)}\r\n`
  );
}

export interface LocalDelivery {
  /** The envelope address the client used (may carry a +tag). */
  address: string;
  user: UserRecord;
}

/**
 * Tracks deliveries still writing to the store so that shutdown can wait for them before the
 * store is closed.
 */
export class DeliveryTracker {
  private readonly pending = new Set<Promise<unknown>>();

  track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    const done = (): void => {
      this.pending.delete(promise);
    };
    promise.then(done, done);
    return promise;
  }

  async drain(): Promise<void> {
    while (this.pending.size > 0) {
      await Promise.allSettled([...this.pending]);
    }
  }
}

/**
 * The one local delivery path shared by the MX and submission listeners: stores `raw` once per
 * distinct local user (INBOX), each copy with its own Return-Path/Received prepended. Resolves
 * after every copy is durably committed; rejects with a 451 SmtpError when the store fails.
 */
export async function deliverLocal(opts: {
  store: MailStore;
  recipients: LocalDelivery[];
  raw: Buffer;
  trace: TraceInfo;
  logger?: Logger;
}): Promise<number> {
  const seen = new Set<number>();
  for (const rcpt of opts.recipients) {
    if (seen.has(rcpt.user.id)) continue;
    seen.add(rcpt.user.id);
    const copy = withTrace(traceHeaders(opts.trace, rcpt.address), opts.raw);
    try {
      const result = await opts.store.deliver(rcpt.user.email, copy, { internalDate: opts.trace.receivedAt });
      opts.logger?.info(
        { cid: opts.trace.session.id, rcpt: rcpt.user.email, mailbox: result.mailbox, uid: result.uid, bytes: copy.length },
        'delivered',
      );
    } catch (err) {
      if (err instanceof StoreError && err.code === 'OVERQUOTA') {
        // RFC 3463: 4.2.2 mailbox full (may clear up), 5.2.2 when this message can never fit.
        const quota = await opts.store.getQuota(rcpt.user.id).catch(() => null);
        opts.logger?.info({ cid: opts.trace.session.id, rcpt: rcpt.user.email, bytes: copy.length, quota }, 'mailbox over quota');
        if (quota?.limitBytes != null && copy.length > quota.limitBytes) {
          throw new SmtpError(552, `5.2.2 <${rcpt.address}>: message is larger than the mailbox quota`);
        }
        throw new SmtpError(452, `4.2.2 <${rcpt.address}>: mailbox full, try again later`);
      }
      opts.logger?.error({ cid: opts.trace.session.id, rcpt: rcpt.user.email, err }, 'local delivery failed');
      throw new SmtpError(451, '4.3.0 Local delivery failed, try again later');
    }
  }
  return seen.size;
}

/** Maps anything thrown by a handler to an error smtp-server turns into a reply. */
export function toSmtpError(err: unknown, logger: Logger | undefined, cid: string): SmtpError {
  if (err instanceof SmtpError) return err;
  logger?.error({ cid, err }, 'smtp handler failed');
  return new SmtpError(451, '4.3.0 Temporary local problem, try again later');
}

/**
 * The onData handler of both listeners: reads the message, lets `transform` adjust it (the
 * submission role strips Bcc and adds Message-ID/Date), resolves the envelope recipients and
 * delivers locally. Answers 250 only after the store committed; any failure becomes a 4xx/5xx.
 */
export function handleData(opts: {
  store: MailStore;
  hostname: string;
  stream: SMTPServerDataStream;
  session: SMTPServerSession;
  tracker: DeliveryTracker;
  logger?: Logger;
  transform?: (raw: Buffer, receivedAt: Date) => Buffer | Promise<Buffer>;
  /**
   * Takes the remote recipients (submission only): must commit them durably before it resolves.
   * Without it, remote recipients are ignored (the RCPT policy refused them already).
   */
  enqueueRemote?: (mailFrom: string, recipients: string[], raw: Buffer, receivedAt: Date) => Promise<string> | string;
  onDelivered?: (mailboxes: number) => void;
  callback: (err?: Error | null, message?: string) => void;
}): void {
  const { store, session, logger } = opts;
  const receivedAt = new Date();
  const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
  const rcptTo = session.envelope.rcptTo.map((r) => ({ address: r.address, user: localAtRcpt.get(r) }));
  const work = (async () => {
    const raw = await readMessage(opts.stream);
    if (!raw) return; // over the size limit: smtp-server answers 552 (rejectOversized)
    if (countReceived(raw) > MAX_HOPS) throw new SmtpError(554, '5.4.6 Too many hops, mail loop detected');
    if (hasSmugglingSequence(raw)) {
      logger?.warn({ cid: session.id }, 'refused a message with a bare LF/CR end-of-data lookalike (SMTP smuggling)');
      throw new SmtpError(550, '5.5.2 Message refused: a line holding only a dot ends with a bare LF or CR (possible SMTP smuggling)');
    }
    const message = opts.transform ? await opts.transform(raw, receivedAt) : raw;
    const recipients: LocalDelivery[] = [];
    const remote: string[] = [];
    for (const { address, user } of rcptTo) {
      if (user) {
        recipients.push({ address, user });
        continue;
      }
      const resolved = resolveRecipient(store, address);
      if (resolved.kind === 'local') recipients.push({ address, user: resolved.user });
      else if (resolved.kind === 'remote' && opts.enqueueRemote) remote.push(address);
    }
    if (recipients.length === 0 && remote.length === 0) throw new SmtpError(451, '4.3.0 Recipients are no longer available');
    if (remote.length > 0 && opts.enqueueRemote) {
      try {
        const id = await opts.enqueueRemote(mailFrom, remote, message, receivedAt);
        logger?.info({ cid: session.id, queueId: id, rcpts: remote.length }, 'queued for remote delivery');
      } catch (err) {
        logger?.error({ cid: session.id, err }, 'could not queue the message');
        throw new SmtpError(451, '4.3.0 Could not queue the message, try again later');
      }
    }
    if (recipients.length === 0) return;
    const delivered = await deliverLocal({
      store,
      recipients,
      raw: message,
      trace: { hostname: opts.hostname, session, mailFrom, receivedAt },
      logger,
    });
    opts.onDelivered?.(delivered);
  })();
  opts.tracker.track(work).then(
    () => opts.callback(null, '2.0.0 OK: message stored'),
    (err: unknown) => opts.callback(toSmtpError(err, logger, session.id)),
  );
}

/**
 * RCPT TO policy shared by both listeners: local users, their aliases and +tags are accepted,
 * unknown local users get 550 5.1.1, other domains get `remoteError`. A local recipient whose
 * mailbox is full gets 452 4.2.2 here already (RFC 1870 section 6.1), and one whose quota the
 * declared SIZE can never fit gets 552 5.2.2. An accepted local recipient is remembered by
 * `rcpt` (smtp-server's address object) for handleData, which then does not resolve it again.
 */
export async function checkRecipient(
  store: MailStore,
  rcpt: { address: string },
  /** The refusal for another domain's address (null: accepted); a function so that no Error is built (with its stack trace) for every RCPT. */
  remoteError: (() => SmtpError) | null,
  session: SMTPServerSession,
  logger: Logger | undefined,
  maxRecipients = MAX_RECIPIENTS,
): Promise<SmtpError | null> {
  const { address } = rcpt;
  if (session.envelope.rcptTo.length >= maxRecipients) {
    return new SmtpError(452, '4.5.3 Too many recipients');
  }
  const cid = session.id;
  try {
    const resolved = resolveRecipient(store, address);
    if (resolved.kind !== 'remote') {
      const trick = relayTrick(address);
      if (trick) return trick;
    }
    switch (resolved.kind) {
      case 'local': {
        const refusal = await quotaRefusal(store, resolved.user, address, session, logger);
        if (!refusal) localAtRcpt.set(rcpt, resolved.user);
        return refusal;
      }
      case 'unknown':
        return noSuchUser(address);
      case 'remote':
        return remoteError ? remoteError() : null;
      default:
        return new SmtpError(501, '5.1.3 Bad recipient address syntax');
    }
  } catch (err) {
    return toSmtpError(err, logger, cid);
  }
}

/** The RCPT-time quota check: null when the user's mailbox can take (about) one more message. */
async function quotaRefusal(
  store: MailStore,
  user: UserRecord,
  address: string,
  session: SMTPServerSession,
  logger: Logger | undefined,
): Promise<SmtpError | null> {
  const quota = await store.getQuota(user.id);
  if (quota.limitBytes === null) return null;
  const args = session.envelope.mailFrom ? (session.envelope.mailFrom.args as Record<string, string | undefined> | false) : false;
  const declared = args && args.SIZE ? Number(args.SIZE) : 0;
  if (declared > quota.limitBytes) {
    logger?.info({ cid: session.id, rcpt: user.email, declared, quota }, 'refused at RCPT: message larger than the quota');
    return new SmtpError(552, `5.2.2 <${headerSafe(address)}>: message is larger than the mailbox quota`);
  }
  if (declared > 0 ? quota.usedBytes + declared > quota.limitBytes : quota.usedBytes >= quota.limitBytes) {
    logger?.info({ cid: session.id, rcpt: user.email, declared, quota }, 'refused at RCPT: mailbox full');
    return new SmtpError(452, `4.2.2 <${headerSafe(address)}>: mailbox full, try again later`);
  }
  return null;
}

/** Number of Received fields in the header of a raw message. */
export function countReceived(raw: Buffer): number {
  let n = 0;
  for (const f of splitMessage(raw).fields) if (f.name.toLowerCase() === 'received') n++;
  return n;
}
