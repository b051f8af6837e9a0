// Maildir++ naming rules as Dovecot reads them: folder directories, message file names, flag
// letters, the dovecot-keywords and dovecot-uidlist files and the subscriptions file.
import os from 'node:os';
import path from 'node:path';
import { encodeMailboxName, HIERARCHY_DELIMITER } from '../store/index.js';

/** Maildir++ hierarchy separator (Dovecot's default for LAYOUT=maildir++). */
export const MAILDIR_SEPARATOR = '.';
/** Dovecot keeps at most 26 keywords per folder in file names (letters a–z). */
export const MAX_MAILDIR_KEYWORDS = 26;
export const KEYWORDS_FILE = 'dovecot-keywords';
export const UIDLIST_FILE = 'dovecot-uidlist';
export const SUBSCRIPTIONS_FILE = 'subscriptions';
export const FOLDER_MARKER_FILE = 'maildirfolder';

const SYSTEM_FLAG_LETTERS: Array<[string, string]> = [
  ['D', '\\Draft'],
  ['F', '\\Flagged'],
  ['R', '\\Answered'],
  ['S', '\\Seen'],
  ['T', '\\Deleted'],
];
const LETTER_TO_FLAG = new Map(SYSTEM_FLAG_LETTERS);
const FLAG_TO_LETTER = new Map(SYSTEM_FLAG_LETTERS.map(([l, f]) => [f.toLowerCase(), l]));

/**
 * One segment of a store mailbox name (IMAP modified UTF-7) as a Maildir++ name segment.
 * A "." can not appear in a Maildir++ segment; it is written as "\2e" and a backslash as "\5c",
 * the escaping of Dovecot's listescape plugin.
 */
function escapeSegment(seg: string): string {
  return seg.replace(/[\\.]/g, (c) => `\\${c.charCodeAt(0).toString(16)}`);
}

function unescapeSegment(seg: string): string {
  return seg.replace(/\\([0-9a-fA-F]{2})/g, (all, hex: string) => {
    const ch = String.fromCharCode(parseInt(hex, 16));
    return ch === HIERARCHY_DELIMITER ? all : ch;
  });
}

/** Store mailbox name → Maildir++ directory name relative to the user root ('' for INBOX). */
export function mailboxToMaildirDir(name: string): string {
  if (name === 'INBOX') return '';
  return MAILDIR_SEPARATOR + name.split(HIERARCHY_DELIMITER).map(escapeSegment).join(MAILDIR_SEPARATOR);
}

/** Store mailbox name → the name Dovecot shows and keeps in `subscriptions` ("Projects.2026"). */
export function mailboxToMaildirName(name: string): string {
  return name.split(HIERARCHY_DELIMITER).map(escapeSegment).join(MAILDIR_SEPARATOR);
}

/**
 * Maildir++ folder name (without the leading dot, "Lists.Debian") → store mailbox name
 * ("Lists/Debian"). Names kept as raw UTF-8 on disk are converted to modified UTF-7.
 */
export function maildirNameToMailbox(name: string): string {
  if (name.toUpperCase() === 'INBOX') return 'INBOX';
  const segs = name.split(MAILDIR_SEPARATOR).map(unescapeSegment).map((s) => (/[^\x20-\x7e]/.test(s) ? encodeMailboxName(s) : s));
  const joined = segs.join(HIERARCHY_DELIMITER);
  return joined.toUpperCase().startsWith('INBOX' + HIERARCHY_DELIMITER) ? 'INBOX' + joined.slice(5) : joined;
}

/** Special folder names found in other servers' Maildirs → SPECIAL-USE attribute. */
const SPECIAL_ALIASES = new Map<string, string>([
  ['sent', '\\Sent'], ['sent messages', '\\Sent'], ['sent items', '\\Sent'], ['sent mail', '\\Sent'],
  ['drafts', '\\Drafts'],
  ['trash', '\\Trash'], ['deleted messages', '\\Trash'], ['deleted items', '\\Trash'],
  ['junk', '\\Junk'], ['spam', '\\Junk'], ['junk e-mail', '\\Junk'],
  ['archive', '\\Archive'], ['archives', '\\Archive'],
]);

export function specialUseOf(topLevelName: string): string | null {
  return SPECIAL_ALIASES.get(topLevelName.toLowerCase()) ?? null;
}

/** Host part of a Maildir file name: "/" and ":" are not allowed there. */
export function maildirHostname(host = os.hostname()): string {
  return (host || 'localhost').replace(/\//g, '\\057').replace(/:/g, '\\072').replace(/,/g, '\\054');
}

/** Flags of a message → the letters after ":2," (sorted) given the folder's keyword list. */
export function flagsToInfo(flags: string[], keywords: string[]): { info: string; unrepresented: string[] } {
  const letters: string[] = [];
  const unrepresented: string[] = [];
  for (const f of flags) {
    if (f.startsWith('\\')) {
      const l = FLAG_TO_LETTER.get(f.toLowerCase());
      if (l) letters.push(l);
      else unrepresented.push(f);
      continue;
    }
    const i = keywords.indexOf(f);
    if (i >= 0 && i < MAX_MAILDIR_KEYWORDS) letters.push(String.fromCharCode(0x61 + i));
    else unrepresented.push(f);
  }
  return { info: [...new Set(letters)].sort().join(''), unrepresented };
}

/** The letters after ":2," → IMAP flags. Unknown lower-case letters (no keyword) are dropped. */
export function infoToFlags(info: string, keywords: Map<number, string>): string[] {
  const out: string[] = [];
  for (const ch of info) {
    const sys = LETTER_TO_FLAG.get(ch);
    if (sys) { out.push(sys); continue; }
    const code = ch.charCodeAt(0);
    if (code >= 0x61 && code <= 0x7a) {
      const kw = keywords.get(code - 0x61);
      if (kw) out.push(kw);
    }
  }
  return [...new Set(out)];
}

export interface ParsedFileName {
  /** The part before ":2," (what dovecot-uidlist records). */
  base: string;
  /** Flag letters; null when the name has no info part (a message in new/). */
  info: string | null;
}

/** Splits "1700000000.M1P2Q3.host,S=10,W=12:2,FS" (also "!2," as Dovecot allows). */
export function parseFileName(name: string): ParsedFileName {
  const m = /^(.*?)[:!]2,([^:!]*)$/.exec(name);
  if (m) return { base: m[1]!, info: m[2]! };
  const legacy = /^(.*?)[:!]1,.*$/.exec(name);
  if (legacy) return { base: legacy[1]!, info: '' };
  return { base: name, info: null };
}

/** Parses a dovecot-keywords file ("0 $Forwarded\n1 Work\n"). */
export function parseKeywordsFile(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of text.split('\n')) {
    const m = /^(\d+) (.+)$/.exec(line.replace(/\r$/, ''));
    if (m && Number(m[1]) < MAX_MAILDIR_KEYWORDS) out.set(Number(m[1]), m[2]!);
  }
  return out;
}

export function formatKeywordsFile(keywords: string[]): string {
  return keywords.slice(0, MAX_MAILDIR_KEYWORDS).map((k, i) => `${i} ${k}\n`).join('');
}

/** Parses dovecot-uidlist (version 3): base file name → UID. Other versions give an empty map. */
export function parseUidlist(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const lines = text.split('\n');
  if (!lines[0]?.startsWith('3 ')) return out;
  for (const line of lines.slice(1)) {
    const m = /^(\d+)(?: [^:]*)? ?:(.+)$/.exec(line.replace(/\r$/, ''));
    if (m) out.set(m[2]!, Number(m[1]));
  }
  return out;
}

/** Reads a subscriptions file (version 1: one name per line; version 2: "V\t2" header, tab-separated hierarchy). */
export function parseSubscriptions(text: string): string[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  if (lines[0] === 'V\t2') {
    return lines.slice(1).filter((l) => l.length > 0).map((l) => l.split('\t').join(MAILDIR_SEPARATOR));
  }
  return lines.filter((l) => l.length > 0);
}

export function userMaildirPath(root: string, email: string): string {
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at);
  const domain = email.slice(at + 1).toLowerCase();
  if (at <= 0 || !domain || /[/\\\0]/.test(email) || local === '.' || local === '..' || domain === '.' || domain === '..') {
    throw new Error(`Cannot map address to a Maildir path: ${email}`);
  }
  return path.join(root, domain, local);
}
