/**
 * A small, synchronous MIME builder for the seed generator. nodemailer's MailComposer builds
 * messages through streams and callbacks, which a synchronous generator cannot use and which is
 * several times slower at 100,000 messages; this covers exactly what the seed needs: encoded
 * words (B and Q, UTF-8 and ISO-8859-1), quoted-printable and base64 bodies, multiparts.
 */

export type Charset = 'UTF-8' | 'ISO-8859-1';
export type WordEncoding = 'B' | 'Q';

const CRLF = '\r\n';
 
const NON_ASCII = /[^\x20-\x7e]/;

export function isAscii(text: string): boolean {
  return !NON_ASCII.test(text);
}

function encodeBytes(text: string, charset: Charset): Buffer {
  return Buffer.from(text, charset === 'UTF-8' ? 'utf8' : 'latin1');
}

const Q_SAFE = /[A-Za-z0-9!*+\-/]/;

function qWordChar(ch: string, charset: Charset): string {
  if (ch === ' ') return '_';
  if (Q_SAFE.test(ch)) return ch;
  let out = '';
  for (const byte of encodeBytes(ch, charset)) out += `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/**
 * RFC 2047 encoded words for `text`, split at character boundaries so that no word is longer
 * than 75 characters, joined with folding whitespace.
 */
export function encodeWords(text: string, encoding: WordEncoding = 'B', charset: Charset = 'UTF-8'): string {
  const prefix = `=?${charset}?${encoding}?`;
  const budget = 75 - prefix.length - 2;
  const words: string[] = [];
  if (encoding === 'B') {
    const maxBytes = Math.floor(budget / 4) * 3;
    let chunk = '';
    let chunkBytes = 0;
    for (const ch of text) {
      const n = encodeBytes(ch, charset).length;
      if (chunkBytes + n > maxBytes && chunk) {
        words.push(prefix + encodeBytes(chunk, charset).toString('base64') + '?=');
        chunk = '';
        chunkBytes = 0;
      }
      chunk += ch;
      chunkBytes += n;
    }
    if (chunk) words.push(prefix + encodeBytes(chunk, charset).toString('base64') + '?=');
  } else {
    let chunk = '';
    for (const ch of text) {
      const enc = qWordChar(ch, charset);
      if (chunk.length + enc.length > budget && chunk) {
        words.push(prefix + chunk + '?=');
        chunk = '';
      }
      chunk += enc;
    }
    if (chunk) words.push(prefix + chunk + '?=');
  }
  return words.join(`${CRLF} `);
}

/** Unstructured header text: as is when ASCII, otherwise encoded words. */
export function headerText(text: string, encoding: WordEncoding = 'B', charset: Charset = 'UTF-8'): string {
  return isAscii(text) ? text : encodeWords(text, encoding, charset);
}

export interface Person {
  name: string;
  email: string;
}

const ATOM_NAME = /^[A-Za-z0-9 !#$%&'*+\-/=?^_`{|}~]*$/;

/** `Name <addr>` with the display name quoted or encoded as needed. */
export function formatAddress(p: Person, encoding: WordEncoding = 'B', charset: Charset = 'UTF-8'): string {
  if (!p.name) return `<${p.email}>`;
  if (!isAscii(p.name)) return `${encodeWords(p.name, encoding, charset)} <${p.email}>`;
  if (ATOM_NAME.test(p.name)) return `${p.name} <${p.email}>`;
  return `"${p.name.replace(/(["\\])/g, '\\$1')}" <${p.email}>`;
}

export function formatAddressList(people: Person[], encoding: WordEncoding = 'B', charset: Charset = 'UTF-8'): string {
  return people.map((p) => formatAddress(p, encoding, charset)).join(`,${CRLF} `);
}

/** Folds an ASCII header line at spaces so that lines stay under 78 characters where possible. */
export function foldHeader(name: string, value: string): string {
  const line = `${name}: ${value}`;
  if (line.length <= 78 || value.includes(CRLF)) return line;
  const parts = line.split(' ');
  let out = '';
  let current = '';
  for (const part of parts) {
    if (current && current.length + 1 + part.length > 76) {
      out += current + CRLF;
      current = ` ${part}`;
    } else {
      current = current ? `${current} ${part}` : part;
    }
  }
  return out + current;
}

const HEX = '0123456789ABCDEF';

/** Quoted-printable (RFC 2045) with CRLF line breaks and soft breaks at 76 characters. */
export function quotedPrintable(text: string, charset: Charset = 'UTF-8'): string {
  const lines = text.split(/\r?\n/);
  const out: string[] = [];
  for (const line of lines) {
    const bytes = encodeBytes(line, charset);
    let encoded = '';
    let lineLen = 0;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      const last = i === bytes.length - 1;
      let piece: string;
      if ((b >= 33 && b <= 126 && b !== 61) || ((b === 32 || b === 9) && !last)) {
        piece = String.fromCharCode(b);
      } else {
        piece = `=${HEX[b >> 4]}${HEX[b & 15]}`;
      }
      if (lineLen + piece.length > 75) {
        encoded += `=${CRLF}`;
        lineLen = 0;
      }
      encoded += piece;
      lineLen += piece.length;
    }
    out.push(encoded);
  }
  return out.join(CRLF);
}

/** Base64 in lines of 76 characters. */
export function base64Lines(data: Buffer): string {
  const b64 = data.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  return lines.join(CRLF);
}

export type Header = [name: string, value: string];

/** A MIME entity: a leaf with an already-encoded ASCII body, or a multipart. */
export type MimeNode =
  | { headers: Header[]; body: string }
  | { headers: Header[]; multipart: string; parts: MimeNode[]; params?: string };

/** Text leaf, 7bit when ASCII, otherwise quoted-printable or base64. */
export function textPart(
  text: string,
  subtype: 'plain' | 'html' | 'calendar' = 'plain',
  opts: { charset?: Charset; transfer?: 'quoted-printable' | 'base64'; params?: string } = {},
): MimeNode {
  const charset = opts.charset ?? 'UTF-8';
  const normalized = text.replace(/\r?\n/g, CRLF);
  const ascii = isAscii(normalized.replace(/\r\n/g, '')) && normalized.split(CRLF).every((l) => l.length <= 998);
  const contentType = `text/${subtype}; charset=${charset === 'UTF-8' ? 'utf-8' : 'iso-8859-1'}${opts.params ?? ''}`;
  if (ascii && !opts.transfer) {
    return { headers: [['Content-Type', contentType], ['Content-Transfer-Encoding', '7bit']], body: normalized };
  }
  const transfer = opts.transfer ?? 'quoted-printable';
  const body = transfer === 'base64' ? base64Lines(encodeBytes(normalized, charset)) : quotedPrintable(normalized, charset);
  return { headers: [['Content-Type', contentType], ['Content-Transfer-Encoding', transfer]], body };
}

/** Binary leaf (attachment or inline part), base64. */
export function binaryPart(
  data: Buffer,
  contentType: string,
  opts: { filename?: string; disposition?: 'attachment' | 'inline'; contentId?: string } = {},
): MimeNode {
  const headers: Header[] = [];
  const name = opts.filename ? `; name="${opts.filename}"` : '';
  headers.push(['Content-Type', `${contentType}${name}`]);
  headers.push(['Content-Transfer-Encoding', 'base64']);
  if (opts.contentId) headers.push(['Content-ID', `<${opts.contentId}>`]);
  if (opts.disposition) {
    headers.push(['Content-Disposition', `${opts.disposition}${opts.filename ? `; filename="${opts.filename}"` : ''}`]);
  }
  return { headers, body: base64Lines(data) };
}

export function multipart(subtype: string, parts: MimeNode[], params = ''): MimeNode {
  return { headers: [], multipart: subtype, parts, params };
}

/** Serialises a node; boundaries come from `nextBoundary` so that output is deterministic. */
export function renderNode(node: MimeNode, nextBoundary: () => string, topHeaders: Header[] = []): string {
  const headers = [...topHeaders];
  let body: string;
  if ('multipart' in node) {
    const boundary = nextBoundary();
    headers.push(['Content-Type', `multipart/${node.multipart}; boundary="${boundary}"${node.params ?? ''}`]);
    headers.push(...node.headers);
    const parts = node.parts.map((p) => renderNode(p, nextBoundary));
    body =
      (topHeaders.length ? `This is a multi-part message in MIME format.${CRLF}` : '') +
      parts.map((p) => `--${boundary}${CRLF}${p}`).join('') +
      `--${boundary}--${CRLF}`;
  } else {
    headers.push(...node.headers);
    body = node.body.endsWith(CRLF) ? node.body : node.body + CRLF;
  }
  return headers.map(([n, v]) => foldHeader(n, v)).join(CRLF) + CRLF + CRLF + body;
}
