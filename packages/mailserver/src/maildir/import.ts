// Reads a Maildir++ tree (as Dovecot writes it) into the store.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { StoreError, toCrlf, type MailStore, type MailboxInfo, type UserRecord } from '../store/index.js';
import { MaildirError } from './export.js';
import {
  KEYWORDS_FILE,
  MAILDIR_SEPARATOR,
  SUBSCRIPTIONS_FILE,
  UIDLIST_FILE,
  infoToFlags,
  maildirNameToMailbox,
  parseFileName,
  parseKeywordsFile,
  parseSubscriptions,
  parseUidlist,
  specialUseOf,
  userMaildirPath,
} from './format.js';

const META_BATCH_SIZE = 500;

export interface MaildirImportOptions {
  /** Root of the tree: each user is read from root/<domain>/<localpart>/. */
  root: string;
  /** Only these users; default every <domain>/<localpart> directory under root that is a user of the store. */
  users?: string[];
}

export interface UserImportResult {
  email: string;
  dir: string;
  folders: number;
  imported: number;
  /** Messages that were already in the target folder (same bytes and INTERNALDATE). */
  skipped: number;
  warnings: string[];
}

export interface MaildirImportResult {
  users: UserImportResult[];
  /** Directories under root that look like a user's Maildir but whose address is not a user of the store. */
  unknownUsers: string[];
}

async function readText(file: string): Promise<string | null> {
  try {
    return await fsp.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

async function isDir(p: string): Promise<boolean> {
  return (await fsp.stat(p).catch(() => null))?.isDirectory() ?? false;
}

async function isMaildir(dir: string): Promise<boolean> {
  return (await isDir(path.join(dir, 'cur'))) || (await isDir(path.join(dir, 'new')));
}

/**
 * The store mailbox a Maildir++ folder goes to; special folders ("Spam", "Sent Items" …) land on
 * the special-use mailbox, unless the Maildir also has a folder of that mailbox's own name.
 */
function targetName(maildirName: string, boxes: MailboxInfo[], topLevel: Set<string>): string {
  const name = maildirNameToMailbox(maildirName);
  if (name === 'INBOX') return name;
  const [top, ...rest] = name.split('/');
  const use = specialUseOf(top!);
  const special = use ? boxes.find((b) => b.specialUse === use) : undefined;
  if (!special || (special.name.toLowerCase() !== top!.toLowerCase() && topLevel.has(special.name.toLowerCase()))) return name;
  return [special.name, ...rest].join('/');
}

interface MessageFile { file: string; name: string; info: string | null; uid: number }

async function listMessages(dir: string): Promise<MessageFile[]> {
  const uidText = await readText(path.join(dir, UIDLIST_FILE));
  const uids = uidText ? parseUidlist(uidText) : new Map<string, number>();
  const out: MessageFile[] = [];
  for (const sub of ['new', 'cur']) {
    const entries = await fsp.readdir(path.join(dir, sub), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (!e.isFile() || e.name.startsWith('.')) continue;
      const { base, info } = parseFileName(e.name);
      // a message in new/ has no info part and is not \Seen; one in cur/ without it has no flags
      out.push({ file: path.join(dir, sub, e.name), name: base, info: sub === 'new' ? null : info ?? '', uid: uids.get(base) ?? Number.MAX_SAFE_INTEGER });
    }
  }
  const stamp = (n: string) => Number(/^(\d+)\./.exec(n)?.[1] ?? Number.MAX_SAFE_INTEGER);
  // UID order when Dovecot's uidlist knows the file, otherwise delivery (file name) order
  out.sort((a, b) => a.uid - b.uid || stamp(a.name) - stamp(b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return out;
}

const dedupKey = (size: number, internaldate: number) => `${size}:${Math.floor(internaldate / 1000)}`;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function importFolder(store: MailStore, box: MailboxInfo, dir: string, warnings: string[]): Promise<{ imported: number; skipped: number }> {
  const kwText = await readText(path.join(dir, KEYWORDS_FILE));
  const keywords = kwText ? parseKeywordsFile(kwText) : new Map<number, string>();

  // messages already in the folder, by size and INTERNALDATE (seconds); each can match one file
  const existing = new Map<string, number[]>();
  const uids = await store.listUids(box.id);
  for (let i = 0; i < uids.length; i += META_BATCH_SIZE) {
    for (const m of await store.getMeta(box.id, uids.slice(i, i + META_BATCH_SIZE))) {
      const k = dedupKey(m.size, m.internaldate);
      const list = existing.get(k);
      if (list) list.push(m.uid);
      else existing.set(k, [m.uid]);
    }
  }
  const existingHash = new Map<number, string>();

  let imported = 0;
  let skipped = 0;
  for (const msg of await listMessages(dir)) {
    let raw: Buffer;
    let mtimeMs: number;
    try {
      const st = await fsp.stat(msg.file);
      if (st.size > store.maxMessageSize) { warnings.push(`${msg.file}: larger than ${store.maxMessageSize} bytes, not imported`); continue; }
      raw = toCrlf(await fsp.readFile(msg.file));
      mtimeMs = st.mtimeMs;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // moved by a running Dovecot
      throw err;
    }
    if (raw.length === 0) { warnings.push(`${msg.file}: empty file, not imported`); continue; }
    if (raw.length > store.maxMessageSize) { warnings.push(`${msg.file}: larger than ${store.maxMessageSize} bytes, not imported`); continue; }
    const internalDate = new Date(Math.round(mtimeMs));
    const candidates = existing.get(dedupKey(raw.length, internalDate.getTime()));
    if (candidates?.length) {
      const h = sha(raw);
      let match = -1;
      for (const [i, uid] of candidates.entries()) {
        let eh = existingHash.get(uid);
        if (eh === undefined) {
          const er = await store.getRaw(box.id, uid);
          eh = er ? sha(er) : '';
          existingHash.set(uid, eh);
        }
        if (eh === h) { match = i; break; }
      }
      if (match >= 0) {
        candidates.splice(match, 1);
        skipped++;
        continue;
      }
    }
    const flags = msg.info === null ? [] : infoToFlags(msg.info, keywords);
    try {
      await store.append(box.id, raw, { flags, internalDate, origin: 'maildir-import' });
    } catch (err) {
      if (!(err instanceof StoreError)) throw err;
      warnings.push(`${msg.file}: not imported: ${err.message}`);
      continue;
    }
    imported++;
  }
  return { imported, skipped };
}

/** Imports one Maildir++ directory (root = INBOX, ".Sub.Folder" = subfolders) into a user's mailboxes. */
export async function importUserMaildir(store: MailStore, email: string, dir: string): Promise<UserImportResult> {
  const user: UserRecord | null = store.findUser(email);
  if (!user) throw new MaildirError(`No such user: ${email}`);
  if (!(await isDir(dir))) throw new MaildirError(`${dir} is not a directory`);
  const warnings: string[] = [];
  const folders: Array<{ dir: string; maildirName: string }> = [];
  if (await isMaildir(dir)) folders.push({ dir, maildirName: 'INBOX' });
  for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
    if (!e.isDirectory() || !e.name.startsWith(MAILDIR_SEPARATOR) || e.name === '.' || e.name === '..') continue;
    const name = e.name.slice(1);
    if (!name || name.split(MAILDIR_SEPARATOR).some((s) => !s)) { warnings.push(`${e.name}: not a valid Maildir++ folder name, skipped`); continue; }
    if (await isMaildir(path.join(dir, e.name))) folders.push({ dir: path.join(dir, e.name), maildirName: name });
  }
  if (!folders.length) throw new MaildirError(`${dir} is not a Maildir (no cur/ or new/)`);
  // parents before children, so that a parent keeps its own place and subscription
  folders.sort((a, b) => (a.maildirName === 'INBOX' ? -1 : b.maildirName === 'INBOX' ? 1 : a.maildirName.split('.').length - b.maildirName.split('.').length || (a.maildirName < b.maildirName ? -1 : 1)));

  let boxes = await store.listMailboxes(user.id);
  const topLevel = new Set(folders.map((f) => maildirNameToMailbox(f.maildirName).split('/')[0]!.toLowerCase()));
  const subsText = await readText(path.join(dir, SUBSCRIPTIONS_FILE));
  const subscribed = subsText === null ? null : new Set(parseSubscriptions(subsText).map((n) => targetName(n, boxes, topLevel)));

  let imported = 0;
  let skipped = 0;
  const touched: string[] = [];
  for (const f of folders) {
    const name = targetName(f.maildirName, boxes, topLevel);
    let box = boxes.find((b) => b.name === name) ?? null;
    if (!box) {
      try {
        box = await store.createMailbox(user.id, name);
      } catch (err) {
        warnings.push(`${f.dir}: cannot create mailbox "${name}": ${(err as Error).message}`);
        continue;
      }
      boxes = await store.listMailboxes(user.id);
    }
    touched.push(box.name);
    const r = await importFolder(store, box, f.dir, warnings);
    imported += r.imported;
    skipped += r.skipped;
  }
  if (subscribed) {
    boxes = await store.listMailboxes(user.id);
    for (const b of boxes) {
      // the Maildir's subscriptions decide for the folders it holds; INBOX is never unsubscribed
      const want = b.name === 'INBOX' || subscribed.has(b.name);
      if (subscribed.has(b.name) || touched.includes(b.name)) {
        if (b.subscribed !== want) await store.setSubscribed(user.id, b.name, want);
      }
    }
  }
  return { email: user.email, dir, folders: folders.length, imported, skipped, warnings };
}

/** Imports root/<domain>/<localpart>/ Maildirs into the store's existing users. */
export async function importMaildir(store: MailStore, opts: MaildirImportOptions): Promise<MaildirImportResult> {
  if (!(await isDir(opts.root))) throw new MaildirError(`${opts.root} is not a directory`);
  const result: MaildirImportResult = { users: [], unknownUsers: [] };
  let targets: Array<{ email: string; dir: string }>;
  if (opts.users) {
    const missing = opts.users.filter((u) => !store.findUser(u));
    if (missing.length) throw new MaildirError(`No such user: ${missing.join(', ')} (create the users first)`);
    targets = opts.users.map((email) => ({ email, dir: userMaildirPath(opts.root, email) }));
  } else {
    targets = [];
    for (const d of await fsp.readdir(opts.root, { withFileTypes: true })) {
      if (!d.isDirectory() || d.name.startsWith('.')) continue;
      for (const l of await fsp.readdir(path.join(opts.root, d.name), { withFileTypes: true })) {
        if (!l.isDirectory() || l.name.startsWith('.')) continue;
        const dir = path.join(opts.root, d.name, l.name);
        if (!(await isMaildir(dir))) continue;
        const email = `${l.name}@${d.name}`;
        if (store.findUser(email)) targets.push({ email, dir });
        else result.unknownUsers.push(email);
      }
    }
  }
  for (const t of targets) result.users.push(await importUserMaildir(store, t.email, t.dir));
  return result;
}
