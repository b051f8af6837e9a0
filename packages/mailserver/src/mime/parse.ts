/**
 * Minimal, byte-exact MIME tree parser used by the IMAP server (ENVELOPE, BODYSTRUCTURE,
 * BODY[section]) and by the store (search columns, full-text index).
 * Works on the raw Buffer and keeps sub-buffers, so sections are returned byte for byte.
 */

export interface HeaderLine {
  key: string; // lower-case field name
  name: string; // field name as written
  value: string; // unfolded value (raw, encoded-words kept)
}

export interface ContentType {
  type: string; // lower-case
  subtype: string; // lower-case
  params: Array<[string, string]>;
}

export interface MimeNode {
  header: Buffer; // raw header block including the blank separator line
  body: Buffer; // raw body
  headers: HeaderLine[];
  contentType: ContentType;
  children: MimeNode[]; // for multipart/*
  message: MimeNode | null; // for message/rfc822
}

const MAX_DEPTH = 32;

export function splitHeader(raw: Buffer): { header: Buffer; body: Buffer } {
  // Header ends at the first empty line. A message starting with an empty line has no header.
  if (raw.length >= 2 && raw[0] === 0x0d && raw[1] === 0x0a) return { header: raw.subarray(0, 2), body: raw.subarray(2) };
  if (raw.length >= 1 && raw[0] === 0x0a) return { header: raw.subarray(0, 1), body: raw.subarray(1) };
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== 0x0a) continue;
    if (raw[i + 1] === 0x0a) return { header: raw.subarray(0, i + 2), body: raw.subarray(i + 2) };
    if (raw[i + 1] === 0x0d && raw[i + 2] === 0x0a) return { header: raw.subarray(0, i + 3), body: raw.subarray(i + 3) };
  }
  return { header: raw, body: raw.subarray(raw.length) };
}

export function parseHeaderLines(header: Buffer): HeaderLine[] {
  const text = header.toString('utf8');
  const out: HeaderLine[] = [];
  const lines = text.split(/\r?\n/);
  let cur: string | null = null;
  const flush = () => {
    if (cur === null) return;
    const idx = cur.indexOf(':');
    if (idx > 0) {
      const name = cur.slice(0, idx).trim();
      if (name && !/\s/.test(name)) out.push({ key: name.toLowerCase(), name, value: cur.slice(idx + 1).replace(/\r?\n/g, '').trim() });
    }
    cur = null;
  };
  for (const line of lines) {
    if (line === '') { flush(); continue; }
    if ((line[0] === ' ' || line[0] === '\t') && cur !== null) cur += line;
    else { flush(); cur = line; }
  }
  flush();
  return out;
}

export function headerValue(headers: HeaderLine[], key: string): string | null {
  const h = headers.find((x) => x.key === key);
  return h ? h.value : null;
}

/** Parses `type/subtype; a=b; c="d"` (also used for Content-Disposition with a single token). */
export function parseStructuredHeader(value: string): { value: string; params: Array<[string, string]> } {
  const params: Array<[string, string]> = [];
  let i = 0;
  const s = value;
  let main = '';
  while (i < s.length && s[i] !== ';') main += s[i++];
  const continuations = new Map<string, Array<{ n: number; v: string; enc: boolean }>>();
  while (i < s.length) {
    i++; // skip ;
    while (i < s.length && /\s/.test(s[i]!)) i++;
    let key = '';
    while (i < s.length && s[i] !== '=' && s[i] !== ';') key += s[i++];
    key = key.trim().toLowerCase();
    if (s[i] !== '=') continue;
    i++;
    while (i < s.length && /\s/.test(s[i]!)) i++;
    let val = '';
    if (s[i] === '"') {
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length) i++;
        val += s[i++];
      }
      i++;
      while (i < s.length && s[i] !== ';') i++;
    } else {
      while (i < s.length && s[i] !== ';') val += s[i++];
      val = val.trim();
    }
    if (!key) continue;
    const m = /^(.*?)\*(\d+)?(\*)?$/.exec(key);
    if (m && (m[2] !== undefined || m[3])) {
      const base = m[1]!;
      const list = continuations.get(base) ?? [];
      list.push({ n: m[2] ? Number(m[2]) : 0, v: val, enc: !!m[3] });
      continuations.set(base, list);
    } else params.push([key, val]);
  }
  for (const [base, parts] of continuations) {
    parts.sort((a, b) => a.n - b.n);
    // RFC 2231: keep the value as the client would see it decoded (charset'lang'percent-encoded).
    let charset = 'utf-8';
    let bytes: number[] = [];
    parts.forEach((p, idx) => {
      let v = p.v;
      if (p.enc) {
        if (idx === 0) {
          const q = v.split("'");
          if (q.length >= 3) { charset = q[0] || 'utf-8'; v = q.slice(2).join("'"); }
        }
        for (let j = 0; j < v.length; j++) {
          if (v[j] === '%' && /^[0-9a-fA-F]{2}$/.test(v.slice(j + 1, j + 3))) { bytes.push(parseInt(v.slice(j + 1, j + 3), 16)); j += 2; }
          else bytes.push(...Buffer.from(v[j]!, 'utf8'));
        }
      } else bytes.push(...Buffer.from(v, 'utf8'));
    });
    const decoded = decodeCharset(Buffer.from(bytes), charset);
    bytes = [];
    if (!params.some(([k]) => k === base)) params.push([base, decoded]);
  }
  return { value: main.trim(), params };
}

export function parseContentType(value: string | null, parentDefault?: ContentType): ContentType {
  const fallback = parentDefault ?? { type: 'text', subtype: 'plain', params: [['charset', 'us-ascii']] };
  if (!value) return fallback;
  const p = parseStructuredHeader(value);
  const [type, subtype] = p.value.toLowerCase().split('/');
  if (!type || !subtype) return fallback;
  return { type: type.trim(), subtype: subtype.trim(), params: p.params };
}

function findBoundaries(body: Buffer, boundary: string): { parts: Buffer[]; preamble: Buffer } {
  const marker = Buffer.from('--' + boundary, 'latin1');
  const parts: Buffer[] = [];
  let partStart = -1;
  let pos = 0;
  let preambleEnd = body.length;
  while (pos <= body.length) {
    const idx = body.indexOf(marker, pos);
    if (idx < 0) break;
    const atLineStart = idx === 0 || body[idx - 1] === 0x0a;
    const after = idx + marker.length;
    if (!atLineStart) { pos = after; continue; }
    const closing = body[after] === 0x2d && body[after + 1] === 0x2d;
    // rest of line must be whitespace (transport padding)
    let eol = body.indexOf(0x0a, after);
    if (eol < 0) eol = body.length;
    const rest = body.subarray(closing ? after + 2 : after, eol).toString('latin1');
    if (!/^[ \t\r]*$/.test(rest)) { pos = after; continue; }
    // The CRLF preceding the boundary belongs to the boundary.
    let end = idx;
    if (end > 0 && body[end - 1] === 0x0a) end--;
    if (end > 0 && body[end - 1] === 0x0d) end--;
    if (partStart < 0) preambleEnd = end;
    else parts.push(body.subarray(partStart, Math.max(partStart, end)));
    if (closing) { partStart = -1; break; }
    partStart = Math.min(eol + 1, body.length);
    pos = partStart;
  }
  if (partStart >= 0) parts.push(body.subarray(partStart)); // missing closing boundary
  return { parts, preamble: body.subarray(0, preambleEnd) };
}

export function parseMime(raw: Buffer, depth = 0, parentDefault?: ContentType): MimeNode {
  const { header, body } = splitHeader(raw);
  const headers = parseHeaderLines(header);
  const contentType = parseContentType(headerValue(headers, 'content-type'), parentDefault);
  const node: MimeNode = { header, body, headers, contentType, children: [], message: null };
  if (depth >= MAX_DEPTH) return node;
  if (contentType.type === 'multipart') {
    const boundary = contentType.params.find(([k]) => k === 'boundary')?.[1];
    if (boundary) {
      const childDefault: ContentType | undefined = contentType.subtype === 'digest' ? { type: 'message', subtype: 'rfc822', params: [] } : undefined;
      for (const part of findBoundaries(body, boundary).parts) node.children.push(parseMime(part, depth + 1, childDefault));
    }
    if (node.children.length === 0) {
      // multipart without parts: treat as an empty text part so that structures stay valid
      node.children.push({ header: Buffer.alloc(0), body: Buffer.alloc(0), headers: [], contentType: { type: 'text', subtype: 'plain', params: [] }, children: [], message: null });
    }
  } else if (contentType.type === 'message' && (contentType.subtype === 'rfc822' || contentType.subtype === 'global')) {
    const enc = (headerValue(headers, 'content-transfer-encoding') ?? '').toLowerCase();
    if (enc !== 'base64' && enc !== 'quoted-printable') node.message = parseMime(body, depth + 1);
  }
  return node;
}

// ---------- decoding helpers ----------

export function decodeCharset(buf: Buffer, charset: string): string {
  let cs = (charset || 'utf-8').trim().toLowerCase();
  if (cs === 'us-ascii' || cs === 'ascii') cs = 'utf-8';
  try {
    return new TextDecoder(cs).decode(buf);
  } catch {
    try { return new TextDecoder('utf-8').decode(buf); } catch { return buf.toString('latin1'); }
  }
}

export function decodeQuotedPrintable(input: Buffer | string, header = false): Buffer {
  const s = typeof input === 'string' ? input : input.toString('latin1');
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '=') {
      const hex = s.slice(i + 1, i + 3);
      if (/^[0-9a-fA-F]{2}$/.test(hex)) { out.push(parseInt(hex, 16)); i += 2; continue; }
      // soft line break
      const m = /^[ \t]*\r?\n/.exec(s.slice(i + 1, i + 200));
      if (m) { i += m[0].length; continue; }
      out.push(0x3d);
    } else if (header && c === '_') out.push(0x20);
    else out.push(s.charCodeAt(i) & 0xff);
  }
  return Buffer.from(out);
}

/** Decodes RFC 2047 encoded words in a header value. */
export function decodeWords(value: string): string {
  if (!value.includes('=?')) return value;
  const re = /=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=/g;
  let out = '';
  let last = 0;
  let prevWasWord = false;
  let m: RegExpExecArray | null;
  while ((m = re.exec(value))) {
    const between = value.slice(last, m.index);
    if (!(prevWasWord && /^\s*$/.test(between))) out += between;
    const charset = m[1]!.split('*')[0]!;
    const data = m[2]!.toUpperCase() === 'B' ? Buffer.from(m[3]!, 'base64') : decodeQuotedPrintable(m[3]!, true);
    out += decodeCharset(data, charset);
    last = m.index + m[0].length;
    prevWasWord = true;
  }
  return out + value.slice(last);
}

export function decodeBody(node: MimeNode): Buffer {
  const enc = (headerValue(node.headers, 'content-transfer-encoding') ?? '').trim().toLowerCase();
  if (enc === 'base64') return Buffer.from(node.body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (enc === 'quoted-printable') return decodeQuotedPrintable(node.body);
  return node.body;
}

/** Longest HTML part converted for the index; more is cut (the index is capped anyway). */
const MAX_HTML_CHARS = 2 * 1024 * 1024;

/**
 * HTML to plain text for the full-text index, in one linear pass: tags become spaces, script and
 * style blocks are dropped, a few entities decoded. (Regular expressions here were quadratic on
 * hostile input such as 100,000 "<" characters, which stalled delivery.)
 */
export function htmlToText(input: string): string {
  const html = input.length > MAX_HTML_CHARS ? input.slice(0, MAX_HTML_CHARS) : input;
  const lower = html.toLowerCase();
  let out = '';
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      out += html.slice(i);
      break;
    }
    out += html.slice(i, lt);
    const gt = html.indexOf('>', lt + 1);
    if (gt < 0) {
      // an unclosed "<" is text, as a browser shows it
      out += html.slice(lt);
      break;
    }
    const block = /^<(script|style)\b/.exec(lower.slice(lt, lt + 8))?.[1];
    if (block) {
      const end = lower.indexOf(`</${block}`, gt + 1);
      const close = end < 0 ? -1 : lower.indexOf('>', end);
      i = close < 0 ? html.length : close + 1;
    } else {
      i = gt + 1;
    }
    out += ' ';
  }
  return out
    .replace(/&nbsp;/gi, ' ')
    .replace(/&amp;/gi, '&')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    .replace(/&#(\d{1,7});/g, (_m, n: string) => String.fromCodePoint(Math.min(Number(n), 0x10ffff)));
}

/** Extracts searchable text of all text/* parts (HTML stripped), capped to maxChars. */
export function extractText(node: MimeNode, maxChars = 256 * 1024): string {
  const parts: string[] = [];
  let total = 0;
  const walk = (n: MimeNode, depth: number) => {
    if (total >= maxChars || depth > MAX_DEPTH) return;
    if (n.children.length) { for (const c of n.children) walk(c, depth + 1); return; }
    if (n.message) { walk(n.message, depth + 1); return; }
    if (n.contentType.type !== 'text') return;
    const disp = (headerValue(n.headers, 'content-disposition') ?? '').toLowerCase();
    if (disp.startsWith('attachment')) return;
    const charset = n.contentType.params.find(([k]) => k === 'charset')?.[1] ?? 'utf-8';
    let text = decodeCharset(decodeBody(n), charset);
    if (n.contentType.subtype === 'html') text = htmlToText(text);
    text = text.slice(0, maxChars - total);
    total += text.length;
    parts.push(text);
  };
  walk(node, 0);
  return parts.join('\n');
}

export function countLines(buf: Buffer): number {
  let n = 0;
  // indexOf is a native memchr: several times faster than a byte loop on a 100 KB body
  for (let i = buf.indexOf(0x0a); i !== -1; i = buf.indexOf(0x0a, i + 1)) n++;
  if (buf.length > 0 && buf[buf.length - 1] !== 0x0a) n++;
  return n;
}
