/** Resolution of IMAP BODY[section] specifiers against a parsed MIME tree. */
import type { MimeNode } from './parse.js';

export type SectionSpecifier = '' | 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';

export interface SectionSpec {
  parts: number[];
  specifier: SectionSpecifier;
  fields: string[]; // upper-case field names for HEADER.FIELDS(.NOT)
}

/** Splits a raw header block into raw field chunks (each including its folded continuation lines). */
function rawFields(header: Buffer): Array<{ key: string; raw: Buffer }> {
  const out: Array<{ key: string; raw: Buffer }> = [];
  let start = 0;
  let pos = 0;
  const push = (end: number) => {
    if (end <= start) return;
    const chunk = header.subarray(start, end);
    const text = chunk.toString('latin1');
    if (/^\r?\n$/.test(text)) return;
    const idx = text.indexOf(':');
    out.push({ key: idx > 0 ? text.slice(0, idx).trim().toLowerCase() : '', raw: chunk });
  };
  while (pos < header.length) {
    let eol = header.indexOf(0x0a, pos);
    if (eol < 0) eol = header.length - 1;
    const next = eol + 1;
    const nextChar = header[next];
    if (nextChar !== 0x20 && nextChar !== 0x09) {
      push(next);
      start = next;
    }
    pos = next;
  }
  push(header.length);
  return out;
}

export function filterHeader(header: Buffer, fields: string[], not: boolean): Buffer {
  const wanted = new Set(fields.map((f) => f.toLowerCase()));
  const chunks: Buffer[] = [];
  for (const f of rawFields(header)) {
    if (!f.key) continue;
    if (wanted.has(f.key) !== not) {
      let raw = f.raw;
      if (raw[raw.length - 1] !== 0x0a) raw = Buffer.concat([raw, Buffer.from('\r\n')]);
      chunks.push(raw);
    }
  }
  chunks.push(Buffer.from('\r\n'));
  return Buffer.concat(chunks);
}

/** Returns the bytes of a section, or null when the part does not exist. */
export function resolveSection(root: MimeNode, raw: Buffer, spec: SectionSpec): Buffer | null {
  let cur = root;
  for (const n of spec.parts) {
    let container = cur;
    if (cur !== root && cur.message) container = cur.message;
    if (container.children.length) {
      const next = container.children[n - 1];
      if (!next) return null;
      cur = next;
    } else if (n === 1) {
      cur = container;
    } else return null;
  }
  const isRoot = cur === root && spec.parts.length === 0;
  switch (spec.specifier) {
    case '':
      return isRoot ? raw : cur.body;
    case 'MIME':
      if (isRoot) return null;
      return cur.header;
    case 'HEADER':
    case 'HEADER.FIELDS':
    case 'HEADER.FIELDS.NOT':
    case 'TEXT': {
      const msg = isRoot ? root : cur.message ?? cur;
      if (spec.specifier === 'TEXT') return msg.body;
      if (spec.specifier === 'HEADER') return msg.header;
      return filterHeader(msg.header, spec.fields, spec.specifier === 'HEADER.FIELDS.NOT');
    }
  }
}
