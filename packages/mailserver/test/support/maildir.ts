/** Reads a Maildir tree written by mbsync: message-ids and IMAP flags per folder. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export interface MaildirMessage {
  folder: string;
  file: string; // path relative to the folder
  messageId: string;
  flags: string[];
}

const FLAG_LETTERS: Record<string, string> = { D: '\\Draft', F: '\\Flagged', R: '\\Answered', S: '\\Seen', T: '\\Deleted' };

export function maildirFlags(file: string): string[] {
  const m = /:2,([A-Za-z]*)$/.exec(file);
  if (!m) return [];
  return [...m[1]!].map((c) => FLAG_LETTERS[c]).filter((f): f is string => !!f).sort();
}

export function messageIdOf(raw: Buffer): string {
  const head = raw.subarray(0, Math.max(0, raw.indexOf('\r\n\r\n')) || raw.length).toString('utf8');
  const m = /^message-id:\s*(<[^>\r\n]+>)/im.exec(head.replace(/\r?\n[ \t]+/g, ' '));
  return m?.[1] ?? '';
}

export function readMaildirFolder(dir: string, folder: string): MaildirMessage[] {
  const out: MaildirMessage[] = [];
  for (const sub of ['new', 'cur']) {
    const d = path.join(dir, sub);
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d)) {
      const full = path.join(d, f);
      if (!statSync(full).isFile()) continue;
      out.push({ folder, file: `${sub}/${f}`, messageId: messageIdOf(readFileSync(full)), flags: maildirFlags(f) });
    }
  }
  return out.sort((a, b) => a.messageId.localeCompare(b.messageId));
}

/** Folder directories under `root` (any dir with cur/ and new/), named by their relative path with '/'. */
export function listMaildirFolders(root: string, prefix = ''): string[] {
  const out: string[] = [];
  if (!existsSync(root)) return out;
  for (const e of readdirSync(root, { withFileTypes: true })) {
    if (!e.isDirectory() || ['cur', 'new', 'tmp'].includes(e.name)) continue;
    const full = path.join(root, e.name);
    const name = prefix ? `${prefix}/${e.name}` : e.name;
    if (existsSync(path.join(full, 'cur')) && existsSync(path.join(full, 'new'))) out.push(name);
    out.push(...listMaildirFolders(full, name));
  }
  return out.sort();
}
