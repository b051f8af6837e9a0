/**
 * Tokeniser for complete IMAP command buffers (the connection has already collected any
 * literals, so `{n}\r\n<n bytes>` and `{n+}\r\n<n bytes>` appear inline, exactly as on the wire).
 */
import { bad } from '../errors.js';

export type Token =
  | { type: 'atom'; value: string }
  | { type: 'string'; value: Buffer; literal: boolean }
  | { type: 'list'; items: Token[] };

export interface ParsedCommand {
  tag: string;
  command: string; // upper-case, e.g. 'FETCH'
  uid: boolean; // 'UID FETCH' etc.
  args: Token[];
}

const MAX_NESTING = 64;

/** Command buffers up to this size are decoded to one string once; atoms are slices of it. */
const DECODE_WHOLE_BYTES = 16 * 1024;

class Cursor {
  pos = 0;
  /**
   * The buffer as latin1 text (a byte is a character), when it is small: a command's atoms are
   * then slices of one string instead of one Buffer decode each (a call into C++ apiece, the
   * larger part of parsing a short command). Big buffers (APPEND literals) decode atom by atom.
   */
  readonly text: string | null;
  constructor(public buf: Buffer) {
    this.text = buf.length <= DECODE_WHOLE_BYTES ? buf.toString('latin1') : null;
  }
  peek(): number | undefined { return this.buf[this.pos]; }
  eof(): boolean { return this.pos >= this.buf.length; }
}

function isAtomEnd(c: number): boolean {
  // SP ( ) " { CR LF and control characters end an atom
  return c === 0x20 || c === 0x28 || c === 0x29 || c === 0x22 || c === 0x0d || c === 0x0a || c < 0x20 || c === 0x7f;
}

function readAtom(cur: Cursor): string {
  const start = cur.pos;
  let depth = 0;
  while (!cur.eof()) {
    const c = cur.peek()!;
    if (c === 0x5b) depth++; // [
    else if (c === 0x5d) { if (depth > 0) depth--; } // ]
    else if (depth > 0) {
      // inside [...] spaces and parentheses belong to the atom (BODY[HEADER.FIELDS (A B)])
      if (c === 0x0d || c === 0x0a) break;
      cur.pos++;
      continue;
    } else if (isAtomEnd(c)) break;
    cur.pos++;
  }
  if (depth > 0) throw bad('Unterminated [ in atom');
  return cur.text !== null ? cur.text.slice(start, cur.pos) : cur.buf.toString('latin1', start, cur.pos);
}

function readQuoted(cur: Cursor): Buffer {
  cur.pos++; // opening quote
  const bytes: number[] = [];
  for (;;) {
    if (cur.eof()) throw bad('Unterminated quoted string');
    const c = cur.buf[cur.pos++]!;
    if (c === 0x22) break;
    if (c === 0x0d || c === 0x0a) throw bad('Unterminated quoted string');
    if (c === 0x5c) {
      const n = cur.buf[cur.pos++];
      if (n !== 0x22 && n !== 0x5c) throw bad('Invalid escape in quoted string');
      bytes.push(n);
      continue;
    }
    bytes.push(c);
  }
  return Buffer.from(bytes);
}

function readLiteral(cur: Cursor): Buffer {
  const m = /^[~]?\{(\d+)(\+?)\}\r\n/.exec(cur.buf.toString('latin1', cur.pos, Math.min(cur.buf.length, cur.pos + 32)));
  if (!m) throw bad('Invalid literal');
  const n = Number(m[1]);
  const start = cur.pos + m[0].length;
  if (start + n > cur.buf.length) throw bad('Literal is shorter than announced');
  cur.pos = start + n;
  return cur.buf.subarray(start, start + n);
}

function readTokens(cur: Cursor, depth: number, inList: boolean): Token[] {
  if (depth > MAX_NESTING) throw bad('Too deeply nested');
  const out: Token[] = [];
  for (;;) {
    const c = cur.peek();
    if (c === undefined || c === 0x0d || c === 0x0a) {
      if (inList) throw bad('Unterminated list');
      return out;
    }
    if (c === 0x29) {
      if (!inList) throw bad('Unexpected )');
      cur.pos++;
      return out;
    }
    if (out.length > 0) {
      if (c !== 0x20) throw bad('Expected space between arguments');
      cur.pos++;
    }
    const d = cur.peek();
    if (d === undefined || d === 0x0d || d === 0x0a) throw bad('Unexpected end of command');
    if (d === 0x28) {
      cur.pos++;
      out.push({ type: 'list', items: readTokens(cur, depth + 1, true) });
    } else if (d === 0x22) {
      out.push({ type: 'string', value: readQuoted(cur), literal: false });
    } else if (d === 0x7b || (d === 0x7e && cur.buf[cur.pos + 1] === 0x7b)) {
      out.push({ type: 'string', value: readLiteral(cur), literal: true });
    } else {
      const v = readAtom(cur);
      if (!v) throw bad('Unexpected character in command');
      out.push({ type: 'atom', value: v });
    }
  }
}

/** Parses a complete command (without the final CRLF being required). */
export function parseCommand(buf: Buffer): ParsedCommand {
  const cur = new Cursor(buf);
  const tag = readAtom(cur);
  if (!validTag(tag)) throw bad('Invalid tag');
  if (cur.peek() !== 0x20) throw bad('Missing command');
  cur.pos++;
  let command = readAtom(cur).toUpperCase();
  if (!/^[A-Z][A-Z0-9.-]*$/.test(command)) throw bad('Invalid command');
  let uid = false;
  if (command === 'UID') {
    if (cur.peek() !== 0x20) throw bad('Missing UID command');
    cur.pos++;
    command = readAtom(cur).toUpperCase();
    uid = true;
  }
  let args: Token[] = [];
  if (cur.peek() === 0x20) {
    cur.pos++;
    args = readTokens(cur, 0, false);
    if (!args.length) throw bad('Unexpected trailing space');
  }
  if (!cur.eof() && !(cur.peek() === 0x0d || cur.peek() === 0x0a)) throw bad('Unexpected data after command');
  return { tag, command, uid, args };
}

/** RFC 3501 tag: ASTRING-CHAR except "+" (no CTL, SP, ( ) { % * " \\ or 8-bit). */
function validTag(tag: string): boolean {
  if (!tag) return false;
  for (let i = 0; i < tag.length; i++) {
    const c = tag.charCodeAt(i);
    // ( ) { % * " \ +
    if (c < 0x21 || c > 0x7e || c === 0x28 || c === 0x29 || c === 0x7b || c === 0x25 || c === 0x2a || c === 0x22 || c === 0x5c || c === 0x2b) return false;
  }
  return true;
}

/** Best-effort tag extraction for error responses on unparsable input. */
export function extractTag(buf: Buffer): string {
  const m = /^([\x21-\x7e]+?)(?: |\r|\n|$)/.exec(buf.toString('latin1', 0, Math.min(buf.length, 128)));
  const tag = m?.[1];
  return tag && validTag(tag) ? tag : '*';
}

// ---------- argument helpers ----------

export function tokenText(t: Token | undefined): string | null {
  if (!t) return null;
  if (t.type === 'atom') return t.value;
  if (t.type === 'string') return t.value.toString('utf8');
  return null;
}

export function argString(args: Token[], i: number, what: string): string {
  const v = tokenText(args[i]);
  if (v === null) throw bad(`Missing or invalid ${what}`);
  return v;
}

export function argAtom(args: Token[], i: number, what: string): string {
  const t = args[i];
  if (!t || t.type !== 'atom') throw bad(`Missing or invalid ${what}`);
  return t.value;
}

export function argList(args: Token[], i: number, what: string): Token[] {
  const t = args[i];
  if (!t || t.type !== 'list') throw bad(`Expected a parenthesised list for ${what}`);
  return t.items;
}

export function expectArgs(args: Token[], min: number, max: number): void {
  if (args.length < min) throw bad('Missing arguments');
  if (args.length > max) throw bad('Too many arguments');
}
