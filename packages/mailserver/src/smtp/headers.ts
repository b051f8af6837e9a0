/**
 * Small helpers to inspect and rewrite the header block of a raw RFC 5322 message without
 * parsing (and so without altering) the body. The header block is handled as latin1 so that
 * every byte round-trips unchanged, whatever charset raw 8-bit headers use.
 */

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** RFC 5322 date-time, e.g. `Tue, 24 Nov 2026 13:05:09 +0100`, in the given UTC offset (minutes). */
export function formatRfc5322Date(date: Date, offsetMinutes = 0): string {
  const local = new Date(date.getTime() + offsetMinutes * 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return (
    `${DAYS[local.getUTCDay()]}, ${local.getUTCDate()} ${MONTHS[local.getUTCMonth()]} ${local.getUTCFullYear()} ` +
    `${pad2(local.getUTCHours())}:${pad2(local.getUTCMinutes())}:${pad2(local.getUTCSeconds())} ` +
    `${sign}${pad2(Math.floor(abs / 60))}${pad2(abs % 60)}`
  );
}

export interface HeaderField {
  /** Field name as written. */
  name: string;
  /** The complete field including its name and folded continuation lines and line breaks. */
  raw: string;
}

export interface SplitMessage {
  fields: HeaderField[];
  /** The empty line and the body, as bytes (empty when the message had no body). */
  rest: Buffer;
}

/** Splits a raw message into its header fields and the rest (blank line + body). */
export function splitMessage(raw: Buffer): SplitMessage {
  let headerEnd: number;
  if (raw[0] === 0x0a || (raw[0] === 0x0d && raw[1] === 0x0a)) {
    headerEnd = 0;
  } else {
    const a = raw.indexOf('\n\r\n');
    const b = raw.indexOf('\n\n');
    const idx = a < 0 ? b : b < 0 ? a : Math.min(a, b);
    headerEnd = idx < 0 ? -1 : idx + 1;
  }
  const headerText = (headerEnd < 0 ? raw : raw.subarray(0, headerEnd)).toString('latin1');
  const rest = headerEnd < 0 ? Buffer.alloc(0) : raw.subarray(headerEnd);

  const fields: HeaderField[] = [];
  const lines = headerText.split(/(?<=\n)/);
  for (const line of lines) {
    if (line === '') continue;
    if ((line.startsWith(' ') || line.startsWith('\t')) && fields.length > 0) {
      const last = fields[fields.length - 1]!;
      last.raw += line;
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim() : '';
    fields.push({ name, raw: line });
  }
  return { fields, rest };
}

export function hasHeader(fields: HeaderField[], name: string): boolean {
  const lower = name.toLowerCase();
  return fields.some((f) => f.name.toLowerCase() === lower);
}

/** Re-assembles a message from fields (in order) and the rest. */
export function joinMessage(fields: HeaderField[], rest: Buffer): Buffer {
  let text = '';
  for (const f of fields) {
    text += f.raw.endsWith('\n') ? f.raw : `${f.raw}\r\n`;
  }
  return Buffer.concat([Buffer.from(text, 'latin1'), rest.length ? rest : Buffer.from('\r\n')]);
}

/** Removes control characters (CR, LF, …) from a value that goes into a header we write. */
export function headerSafe(value: string): string {
   
  return value.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
}
