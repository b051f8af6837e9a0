/**
 * The benchmark mailbox: Mailroom's deterministic seed generator, written once into the embedded
 * store (deliverMany in batches) and once as a Dovecot Maildir (files in cur/ with their flags in
 * the name, mtime = INTERNALDATE), so that both servers hold the same messages with the same flags
 * and the same UID order.
 */
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openStore, type MailStore } from '../../packages/mailserver/src/index.js';
import { generateMailbox, type GeneratedMessage } from '../../packages/mailserver/src/seed/index.js';

/** Present in exactly RARE_WORD_COUNT INBOX messages (injected), for SEARCH TEXT. */
export const RARE_WORD = 'quokkafjord';
export const RARE_WORD_COUNT = 3;
const BATCH = 2_000;
/** Generator reference time, fixed so that every run produces the same bytes. */
const NOW = new Date('2026-06-01T12:00:00Z');

const MAILDIR_FLAGS: Record<string, string> = { '\\Draft': 'D', '\\Flagged': 'F', '\\Answered': 'R', '\\Seen': 'S', '\\Deleted': 'T' };

export interface LoadResult {
  inbox: number;
  sent: number;
  bytes: number;
  /** Positions (1-based, INBOX order = UID) of the messages carrying RARE_WORD. */
  rareUids: number[];
  seconds: { generate: number; mailroom: number; maildir: number };
}

/** Inserts `word` as the first body line of a text/plain (not base64) message; null if not possible. */
function injectWord(raw: Buffer, word: string): Buffer | null {
  const text = raw.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const head = text.slice(0, end);
  if (!/^content-type:\s*text\/plain/im.test(head) || /^content-transfer-encoding:\s*base64/im.test(head)) return null;
  return Buffer.from(`${text.slice(0, end + 4)}Reference ${word} (see below).\r\n${text.slice(end + 4)}`, 'latin1');
}

function maildirFlags(flags: string[]): string {
  return [...new Set(flags.map((f) => MAILDIR_FLAGS[f]).filter((x): x is string => !!x))].sort().join('');
}

function ensureMaildir(dir: string, sub: boolean): void {
  for (const d of ['cur', 'new', 'tmp']) mkdirSync(path.join(dir, d), { recursive: true });
  if (sub) writeFileSync(path.join(dir, 'maildirfolder'), '');
}

export async function loadMailbox(opts: {
  messages: number;
  user: string;
  password: string;
  /** SQLite file of the embedded store. */
  storePath: string;
  /** Maildir root of the user (INBOX). */
  maildir: string;
  log: (msg: string) => void;
}): Promise<LoadResult> {
  const { messages, user } = opts;
  const store: MailStore = openStore({ path: opts.storePath });
  const secs = { generate: 0, mailroom: 0, maildir: 0 };
  const result: LoadResult = { inbox: 0, sent: 0, bytes: 0, rareUids: [], seconds: secs };
  try {
    store.addDomain(user.split('@')[1]!);
    store.createUser(user, opts.password);
    ensureMaildir(opts.maildir, false);
    ensureMaildir(path.join(opts.maildir, '.Sent'), true);

    // inject the rare word near 1/4, 1/2 and 3/4 of INBOX (the next suitable message from there)
    const targets = Array.from({ length: RARE_WORD_COUNT }, (_, i) => Math.max(1, Math.floor(((i + 1) * messages) / (RARE_WORD_COUNT + 1))));
    let nextTarget = 0;

    let batch: Array<{ raw: Buffer; mailbox: string; flags: string[]; internalDate: Date }> = [];
    const flush = async (): Promise<void> => {
      if (!batch.length) return;
      const t = performance.now();
      await store.deliverMany(user, batch);
      secs.mailroom += (performance.now() - t) / 1000;
      batch = [];
    };

    let seq = 0;
    const gen = generateMailbox({ owner: { name: 'Bench User', email: user }, count: messages, inboxCount: messages, seed: 1, now: NOW });
    let t = performance.now();
    for (;;) {
      const next = gen.next();
      secs.generate += (performance.now() - t) / 1000;
      if (next.done) break;
      const msg: GeneratedMessage = next.value;
      let raw = msg.raw;
      const inbox = msg.mailbox === 'INBOX';
      if (inbox) {
        result.inbox++;
        const want = targets[nextTarget];
        if (want !== undefined && result.inbox >= want) {
          const injected = injectWord(raw, RARE_WORD);
          if (injected) {
            raw = injected;
            result.rareUids.push(result.inbox);
            nextTarget++;
          }
        }
      } else {
        result.sent++;
      }
      result.bytes += raw.length;

      // Maildir: LF line ends on disk (as Dovecot's own delivery writes them), S= file size and
      // W= RFC822 (CRLF) size in the name, names ordered like the delivery order so that Dovecot
      // assigns the same UIDs, and mtime = INTERNALDATE (Dovecot's received date for Maildir)
      const tw = performance.now();
      const lf = Buffer.from(raw.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
      let lines = 0;
      for (let i = lf.indexOf(10); i >= 0; i = lf.indexOf(10, i + 1)) lines++;
      seq++;
      const name = `${1_600_000_000 + seq}.M${seq}P${process.pid}.bench,S=${lf.length},W=${lf.length + lines}:2,${maildirFlags(msg.flags)}`;
      const file = path.join(opts.maildir, inbox ? '' : '.Sent', 'cur', name);
      writeFileSync(file, lf);
      utimesSync(file, msg.internalDate, msg.internalDate);
      secs.maildir += (performance.now() - tw) / 1000;

      batch.push({ raw, mailbox: msg.mailbox, flags: msg.flags, internalDate: msg.internalDate });
      if (batch.length >= BATCH) {
        await flush();
        if (seq % 20_000 < BATCH) opts.log(`  loaded ${seq} messages`);
      }
      t = performance.now();
    }
    await flush();
  } finally {
    store.close();
  }
  if (result.rareUids.length !== RARE_WORD_COUNT) opts.log(`warning: the rare word went into ${result.rareUids.length} messages only`);
  return result;
}
