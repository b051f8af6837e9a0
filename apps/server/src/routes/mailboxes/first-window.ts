// INBOX's first window (the rows a sign-in shows first) kept per account and server, so that a
// returning sign-in can show them without waiting for SELECT and FETCH. On Dovecot, SELECT of a
// 100,000-message Maildir INBOX takes 60–130 ms in a new IMAP session, STATUS 1 ms.
//
// Exactness: a window is stored with the mailbox state it was read in, as STATUS reports it
// (MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ), and served only when a STATUS right after the
// next LOGIN reports the same four values. With CONDSTORE (RFC 7162) every change to a mailbox
// (new message, expunge, flag or keyword change) raises HIGHESTMODSEQ, so the same values mean
// the same messages with the same flags. Without CONDSTORE (or with NOMODSEQ) flags could change
// unseen: nothing is stored or served. The window is read between two STATUS answers that agree,
// after a NOOP that brings the session's view of INBOX up to the first of them, so it shows
// exactly that state; when the mailbox changes meanwhile nothing is stored.
//
// Kept fresh by the sessions themselves: after a sign-in has selected INBOX, and after every
// change a session makes (reading a message marks it seen, flags, moves, deletes), the session
// reads the window again in the background (refreshFirstWindow, debounced).
import type { ImapFlow } from 'imapflow';
import type { MessageListResponse } from '@mailroom/shared';
import { atom, cacheScope, rawCommand, type Attr } from '../../imap/ordering.js';
import { windowOf, withMailbox } from './service.js';

/** The web app's window size (apps/web WINDOW_SIZE); the first window is rows 0–99. */
export const FIRST_WINDOW_SIZE = 100;
/** Accounts kept (least recently used dropped); a window with previews is ~50–100 KB. */
const MAX_ENTRIES = 256;
const REFRESH_DELAY_MS = 50;

export interface InboxState {
  messages: number;
  uidNext: number;
  uidValidity: string;
  highestModseq: string;
}

/** The list the web app opens with: INBOX by date, newest first, conversations per preference. */
export interface FirstView {
  threads: boolean;
}

interface Entry {
  state: InboxState;
  window: MessageListResponse;
}

const windows = new Map<string, Entry>();

const keyOf = (scope: string, view: FirstView) => `${scope}\0${view.threads ? 'threads' : 'messages'}`;
const sameState = (a: InboxState, b: InboxState) =>
  a.messages === b.messages && a.uidNext === b.uidNext && a.uidValidity === b.uidValidity && a.highestModseq === b.highestModseq;

/**
 * INBOX's state by STATUS, or null when the server has no CONDSTORE or does not report it. Sent
 * as a raw command: imapflow's status() would copy the counts into the selected mailbox's state,
 * ahead of the EXISTS/EXPUNGE the session has not been sent yet.
 */
export async function inboxState(client: ImapFlow): Promise<InboxState | null> {
  if (!client.capabilities.has('CONDSTORE')) return null;
  let lines: Attr[][];
  try {
    lines = await rawCommand(client, 'STATUS', [atom('INBOX'), ['MESSAGES', 'UIDNEXT', 'UIDVALIDITY', 'HIGHESTMODSEQ'].map(atom)], 'STATUS');
  } catch {
    return null;
  }
  const found = new Map<string, string>();
  for (const line of lines) {
    const list = line[1];
    if (!Array.isArray(list)) continue;
    for (let i = 0; i + 1 < list.length; i += 2) {
      const k = list[i];
      const v = list[i + 1];
      if (!Array.isArray(k) && !Array.isArray(v) && typeof k?.value === 'string' && typeof v?.value === 'string') found.set(k.value.toUpperCase(), v.value);
    }
  }
  const digits = (k: string) => {
    const v = found.get(k);
    return v !== undefined && /^\d{1,20}$/.test(v) ? v : null;
  };
  const messages = digits('MESSAGES');
  const uidNext = digits('UIDNEXT');
  const uidValidity = digits('UIDVALIDITY');
  const highestModseq = digits('HIGHESTMODSEQ');
  // HIGHESTMODSEQ 0 (or missing) means the server keeps no modification sequences for it
  if (messages === null || uidNext === null || uidValidity === null || highestModseq === null || /^0+$/.test(highestModseq)) return null;
  return { messages: Number(messages), uidNext: Number(uidNext), uidValidity, highestModseq };
}

/** The stored first window when `state` (a STATUS just taken on this account) matches its own. */
export function cachedFirstWindow(client: ImapFlow, view: FirstView, state: InboxState | null): MessageListResponse | null {
  const scope = cacheScope(client);
  if (!scope || !state) return null;
  const key = keyOf(scope, view);
  const entry = windows.get(key);
  if (!entry || !sameState(entry.state, state)) return null;
  windows.delete(key);
  windows.set(key, entry);
  return entry.window;
}

/**
 * Reads INBOX's first window in `view` (with previews) and stores it with the state it shows, or
 * stores nothing when the server cannot say that state exactly or the mailbox is changing.
 */
export async function refreshFirstWindow(client: ImapFlow, view: FirstView): Promise<boolean> {
  const scope = cacheScope(client);
  if (!scope || !client.capabilities.has('CONDSTORE')) return false;
  return withMailbox(client, 'INBOX', async () => {
    const before = await inboxState(client);
    if (!before) return false;
    await client.noop();
    const synced = await inboxState(client);
    const mailbox = client.mailbox;
    // Equal answers around the NOOP: the session's view of INBOX is exactly `before` now.
    if (!synced || !sameState(before, synced) || !mailbox || mailbox.exists !== before.messages || String(mailbox.uidValidity) !== before.uidValidity) {
      return false;
    }
    // imapflow learns UIDNEXT only at SELECT and from fetched UIDs; the orders cached per mailbox
    // state key on it, so give it the exact value the view has.
    mailbox.uidNext = before.uidNext;
    const window = await windowOf(client, 'INBOX', { offset: 0, limit: FIRST_WINDOW_SIZE, sort: 'date', order: 'desc', threads: view.threads });
    const after = await inboxState(client);
    if (!after || !sameState(before, after)) return false;
    const key = keyOf(scope, view);
    windows.delete(key);
    windows.set(key, { state: before, window });
    while (windows.size > MAX_ENTRIES) windows.delete(windows.keys().next().value as string);
    return true;
  });
}

interface Pending {
  timer?: NodeJS.Timeout;
  account: string;
  run: () => Promise<unknown>;
  delayMs: number;
  done: Promise<void>;
  resolve: () => void;
}

/** Refreshes scheduled or running, per session; and per account, for sign-ins that may wait for them. */
const pending = new Map<string, Pending>();
const inFlight = new Map<string, Set<Promise<void>>>();
/** Requests of a session under way (the mailbox routes): a refresh waits until there are none. */
const active = new Map<string, number>();

/**
 * Refreshes a session's stored first window soon: `delayMs` after the session's last request has
 * ended (the refresh holds the session's IMAP connection for a moment, up to 0.3 s on Dovecot right
 * after a change; a user reading message after message postpones it instead of waiting behind it).
 * `run` gets the session's connection (the pool's withClient) and does the work; failures only
 * cost the cache. `account` names the account (its address) for sign-ins that wait for it
 * (firstWindowSettled).
 */
export function scheduleFirstWindowRefresh(sessionId: string, account: string, run: () => Promise<unknown>, delayMs = REFRESH_DELAY_MS) {
  let entry = pending.get(sessionId);
  if (!entry) {
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    entry = { account: account.toLowerCase(), run, delayMs, done, resolve };
    let set = inFlight.get(entry.account);
    if (!set) inFlight.set(entry.account, (set = new Set()));
    set.add(done);
    const key = entry.account;
    void done.then(() => {
      const s = inFlight.get(key);
      s?.delete(done);
      if (s && !s.size) inFlight.delete(key);
    });
    pending.set(sessionId, entry);
  }
  entry.run = run;
  entry.delayMs = delayMs;
  arm(sessionId);
}

function arm(sessionId: string) {
  const entry = pending.get(sessionId);
  if (!entry) return;
  clearTimeout(entry.timer);
  entry.timer = undefined;
  if ((active.get(sessionId) ?? 0) > 0) return; // armed again when the last request ends
  const current = entry;
  current.timer = setTimeout(() => {
    if (pending.get(sessionId) === current) pending.delete(sessionId);
    current
      .run()
      .catch(() => undefined)
      .finally(() => current.resolve());
  }, current.delayMs);
  current.timer.unref();
}

/** A request of the session begins: a refresh not yet started waits for it to end. */
export function sessionRequestStarted(sessionId: string) {
  active.set(sessionId, (active.get(sessionId) ?? 0) + 1);
  const entry = pending.get(sessionId);
  if (entry) {
    clearTimeout(entry.timer);
    entry.timer = undefined;
  }
}

/** A request of the session has ended (answered or abandoned). */
export function sessionRequestEnded(sessionId: string) {
  const n = (active.get(sessionId) ?? 1) - 1;
  if (n > 0) active.set(sessionId, n);
  else active.delete(sessionId);
  arm(sessionId);
}

/**
 * Waits (at most maxMs) for the account's scheduled or running refreshes: right after a change in
 * another session (e.g. a message marked read) the stored window is being read again, and a
 * sign-in that waits for it a little can still answer with it.
 */
export async function firstWindowSettled(account: string, maxMs: number): Promise<void> {
  const set = inFlight.get(account.toLowerCase());
  if (!set?.size) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.allSettled([...set]), new Promise<void>((r) => (timer = setTimeout(r, maxMs)))]);
  clearTimeout(timer);
}

/** Drops a session's pending refresh (sign-out). */
export function cancelFirstWindowRefresh(sessionId: string) {
  const entry = pending.get(sessionId);
  if (!entry) return;
  clearTimeout(entry.timer);
  entry.timer = undefined;
  pending.delete(sessionId);
  entry.resolve();
}

/** Forgets every stored window (tests). */
export function clearFirstWindows() {
  windows.clear();
}
