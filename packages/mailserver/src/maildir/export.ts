// Writes a user's mailboxes from the store to a Maildir++ tree that Dovecot reads.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { MailStore, MailboxInfo } from '../store/index.js';
import {
  FOLDER_MARKER_FILE,
  KEYWORDS_FILE,
  MAX_MAILDIR_KEYWORDS,
  SUBSCRIPTIONS_FILE,
  UIDLIST_FILE,
  flagsToInfo,
  formatKeywordsFile,
  mailboxToMaildirDir,
  mailboxToMaildirName,
  maildirHostname,
  userMaildirPath,
} from './format.js';

/** Messages whose metadata is fetched at once; raw messages are read one at a time. */
export const EXPORT_BATCH_SIZE = 200;

export interface MaildirExportOptions {
  /** Root of the export: each user is written to root/<domain>/<localpart>/. */
  root: string;
  /** Addresses of the users to export (the store has no way to list users). */
  users: string[];
  /** Host name used in file names, default os.hostname(). */
  hostname?: string;
  /** fsync every message file before it is renamed into cur/ (Maildir delivery rules). Default true. */
  fsync?: boolean;
}

export interface UserExportResult {
  email: string;
  dir: string;
  folders: number;
  messages: number;
  /** Things Maildir++ can not hold (for example a 27th keyword in one folder). */
  warnings: string[];
}

export class MaildirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MaildirError';
  }
}

async function isNonEmptyMaildir(dir: string): Promise<boolean> {
  for (const sub of ['cur', 'new']) {
    const entries = await fsp.readdir(path.join(dir, sub)).catch(() => [] as string[]);
    if (entries.length) return true;
  }
  const top = await fsp.readdir(dir).catch(() => [] as string[]);
  return top.some((e) => e.startsWith('.') && e !== '.' && e !== '..');
}

/** Writes a small file atomically: tmp name in the same directory, then rename. */
async function writeFileAtomic(file: string, data: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await fsp.writeFile(tmp, data);
  await fsp.rename(tmp, file);
}

interface Counter { n: number }

async function exportFolder(store: MailStore, box: MailboxInfo, dir: string, host: string, fsync: boolean, counter: Counter, warnings: string[]): Promise<number> {
  for (const sub of ['cur', 'new', 'tmp']) await fsp.mkdir(path.join(dir, sub), { recursive: true });
  if (box.name !== 'INBOX') await fsp.writeFile(path.join(dir, FOLDER_MARKER_FILE), '');
  const uids = await store.listUids(box.id);

  // first pass over metadata only: the folder's keywords, in order of first use
  const keywords: string[] = [];
  const seenKw = new Set<string>();
  for (let i = 0; i < uids.length; i += EXPORT_BATCH_SIZE) {
    for (const meta of await store.getMeta(box.id, uids.slice(i, i + EXPORT_BATCH_SIZE))) {
      for (const f of meta.flags) if (!f.startsWith('\\') && !seenKw.has(f)) { seenKw.add(f); keywords.push(f); }
    }
  }
  if (keywords.length > MAX_MAILDIR_KEYWORDS) {
    warnings.push(`${box.name}: ${keywords.length} keywords, Maildir keeps ${MAX_MAILDIR_KEYWORDS}; dropped ${keywords.slice(MAX_MAILDIR_KEYWORDS).join(' ')}`);
  }
  if (keywords.length) await writeFileAtomic(path.join(dir, KEYWORDS_FILE), formatKeywordsFile(keywords));

  const uidlist: string[] = [];
  let written = 0;
  let lastUid = 0;
  for (let i = 0; i < uids.length; i += EXPORT_BATCH_SIZE) {
    for (const meta of await store.getMeta(box.id, uids.slice(i, i + EXPORT_BATCH_SIZE))) {
      const raw = await store.getRaw(box.id, meta.uid);
      if (!raw) continue; // expunged meanwhile
      const { info } = flagsToInfo(meta.flags, keywords);
      const sec = Math.floor(meta.internaldate / 1000);
      const usec = (meta.internaldate % 1000) * 1000;
      // the store keeps CRLF line ends, so the file size and the virtual (CRLF) size are equal
      const base = `${sec}.M${usec}P${process.pid}Q${++counter.n}.${host},S=${raw.length},W=${raw.length}`;
      const tmpFile = path.join(dir, 'tmp', base);
      const fh = await fsp.open(tmpFile, 'wx');
      try {
        await fh.writeFile(raw);
        if (fsync) await fh.sync();
      } finally {
        await fh.close();
      }
      const when = new Date(meta.internaldate);
      await fsp.utimes(tmpFile, when, when);
      await fsp.rename(tmpFile, path.join(dir, 'cur', `${base}:2,${info}`));
      uidlist.push(`${meta.uid} :${base}\n`);
      lastUid = meta.uid;
      written++;
    }
  }
  const status = await store.mailboxStatus(box.id);
  // dovecot-uidlist keeps the UIDs and UIDVALIDITY, so IMAP clients need not resynchronise
  const nextUid = Math.max(status.uidnext, lastUid + 1);
  await writeFileAtomic(path.join(dir, UIDLIST_FILE), `3 V${status.uidvalidity} N${nextUid}\n${uidlist.join('')}`);
  return written;
}

/** Exports one user into the Maildir++ directory `dir` (which must be empty or absent). */
export async function exportUserMaildir(store: MailStore, email: string, dir: string, opts: { hostname?: string; fsync?: boolean } = {}): Promise<UserExportResult> {
  const user = store.findUser(email);
  if (!user) throw new MaildirError(`No such user: ${email}`);
  if (await isNonEmptyMaildir(dir)) throw new MaildirError(`${dir} already holds a Maildir; export writes into an empty directory`);
  const host = maildirHostname(opts.hostname);
  const fsync = opts.fsync ?? true;
  const counter: Counter = { n: 0 };
  const warnings: string[] = [];
  const boxes = await store.listMailboxes(user.id);
  // INBOX (the root) first, so the root's cur/new/tmp exist before subfolders
  boxes.sort((a, b) => (a.name === 'INBOX' ? -1 : b.name === 'INBOX' ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (!boxes.some((b) => b.name === 'INBOX')) for (const sub of ['cur', 'new', 'tmp']) await fsp.mkdir(path.join(dir, sub), { recursive: true });
  let messages = 0;
  for (const box of boxes) {
    if (box.name.split('/').some((s) => s.includes('.'))) warnings.push(`${box.name}: "." in a folder name is written as "\\2e" (Dovecot's listescape plugin shows it as ".")`);
    messages += await exportFolder(store, box, path.join(dir, mailboxToMaildirDir(box.name)), host, fsync, counter, warnings);
  }
  const subscribed = boxes.filter((b) => b.subscribed).map((b) => mailboxToMaildirName(b.name));
  await writeFileAtomic(path.join(dir, SUBSCRIPTIONS_FILE), subscribed.map((n) => `${n}\n`).join(''));
  return { email: user.email, dir, folders: boxes.length, messages, warnings };
}

/** Exports the given users to root/<domain>/<localpart>/ (Dovecot `mail_location = maildir:~/Maildir` with home %d/%n). */
export async function exportMaildir(store: MailStore, opts: MaildirExportOptions): Promise<UserExportResult[]> {
  if (!opts.users.length) throw new MaildirError('No users to export');
  const missing = opts.users.filter((u) => !store.findUser(u));
  if (missing.length) throw new MaildirError(`No such user: ${missing.join(', ')}`);
  const out: UserExportResult[] = [];
  for (const email of opts.users) {
    out.push(await exportUserMaildir(store, email, userMaildirPath(opts.root, email), opts));
  }
  return out;
}
