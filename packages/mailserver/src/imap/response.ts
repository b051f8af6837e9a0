/** Serialisation of IMAP response data: atoms, quoted strings, literals, lists, dates. */

export class Atom {
  constructor(public value: string) {}
}
/** Raw bytes inserted verbatim (already serialised). */
export class Raw {
  constructor(public value: string) {}
}

export type ImapOut = null | number | string | Buffer | Atom | Raw | ImapOut[];

export const atom = (v: string) => new Atom(v);

const MAX_QUOTED = 1024;

function needsLiteral(s: string): boolean {
  if (s.length > MAX_QUOTED) return true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x0d || c === 0x0a || c === 0 || c > 0x7e || c < 0x20) return true;
  }
  return false;
}

export function quote(s: string): string {
  return '"' + s.replace(/[\\"]/g, (m) => '\\' + m) + '"';
}

/** Serialises a value into chunks (strings are ASCII; Buffers are literal payloads). */
export function serialize(value: ImapOut, out: Array<string | Buffer> = []): Array<string | Buffer> {
  if (value === null) out.push('NIL');
  else if (typeof value === 'number') out.push(String(value));
  else if (typeof value === 'string') {
    if (needsLiteral(value)) {
      const b = Buffer.from(value, 'utf8');
      out.push(`{${b.length}}\r\n`, b);
    } else out.push(quote(value));
  } else if (Buffer.isBuffer(value)) {
    out.push(`{${value.length}}\r\n`, value);
  } else if (value instanceof Atom) out.push(value.value);
  else if (value instanceof Raw) out.push(value.value);
  else {
    out.push('(');
    value.forEach((v, i) => {
      if (i) out.push(' ');
      serialize(v, out);
    });
    out.push(')');
  }
  return out;
}

/** astring: atom when safe, else quoted/literal. */
export function astring(s: string): ImapOut {
  if (s && /^[\x21-\x7e]+$/.test(s) && !/[(){ %*"\\\]]/.test(s)) return new Atom(s);
  return s;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
export const MONTH_INDEX = new Map(MONTHS.map((m, i) => [m.toLowerCase(), i]));

/** date-time: "dd-Mon-yyyy hh:mm:ss +zzzz" (day space-padded), always UTC. */
export function formatInternalDate(ms: number): string {
  const d = new Date(ms);
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${String(d.getUTCDate()).padStart(2, ' ')}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
}

/** Parses an IMAP date-time ("d-Mon-yyyy hh:mm:ss +zzzz"). */
export function parseDateTime(s: string): Date | null {
  const m = /^\s?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(s);
  if (!m) return null;
  const month = MONTH_INDEX.get(m[2]!.toLowerCase());
  if (month === undefined) return null;
  const utc = Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  const offset = (Number(m[8]) * 60 + Number(m[9])) * 60_000 * (m[7] === '-' ? -1 : 1);
  const t = utc - offset;
  return Number.isFinite(t) ? new Date(t) : null;
}

/** Parses an IMAP search date ("d-Mon-yyyy"), returning UTC midnight in ms. */
export function parseSearchDate(s: string): number | null {
  const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(s);
  if (!m) return null;
  const month = MONTH_INDEX.get(m[2]!.toLowerCase());
  if (month === undefined) return null;
  const day = Number(m[1]);
  if (day < 1 || day > 31) return null;
  return Date.UTC(Number(m[3]), month, day);
}
