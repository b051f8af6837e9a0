/** RFC 5322 address-list parser producing IMAP ENVELOPE address structures. */

export interface ParsedAddress {
  name: string | null;
  mailbox: string | null;
  host: string | null;
  group?: { start: boolean; name: string | null };
}

type Tok = { t: 'atom' | 'quoted' | 'special'; v: string };

function tokenize(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') { i++; continue; }
    if (c === '(') {
      // comment, possibly nested
      let depth = 0;
      while (i < s.length) {
        if (s[i] === '\\') { i += 2; continue; }
        if (s[i] === '(') depth++;
        else if (s[i] === ')') { depth--; if (depth === 0) { i++; break; } }
        i++;
      }
      continue;
    }
    if (c === '"') {
      let v = '';
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length) i++;
        v += s[i++];
      }
      i++;
      out.push({ t: 'quoted', v });
      continue;
    }
    if ('<>@,;:.[]'.includes(c)) { out.push({ t: 'special', v: c }); i++; continue; }
    let v = '';
    while (i < s.length && !' \t\r\n()"<>@,;:[]'.includes(s[i]!)) v += s[i++];
    if (v.includes('.')) {
      // keep dots inside atoms (dot-atom) as part of the atom
      out.push({ t: 'atom', v });
    } else out.push({ t: 'atom', v });
  }
  return out;
}

function joinWords(toks: Tok[]): string {
  let s = '';
  for (const t of toks) {
    if (t.t === 'special' && t.v === '.') { s += '.'; continue; }
    if (s && !s.endsWith('.')) s += ' ';
    s += t.v;
  }
  return s.trim();
}

function splitAddr(spec: string): { mailbox: string | null; host: string | null } {
  const at = spec.lastIndexOf('@');
  if (at < 0) return { mailbox: spec || null, host: null };
  return { mailbox: spec.slice(0, at) || null, host: spec.slice(at + 1) || null };
}

function specFromTokens(toks: Tok[]): string {
  return toks.map((t) => (t.t === 'quoted' && /[\s"\\]/.test(t.v) ? `"${t.v}"` : t.v)).join('');
}

function parseMailbox(toks: Tok[]): ParsedAddress | null {
  if (!toks.length) return null;
  const lt = toks.findIndex((t) => t.t === 'special' && t.v === '<');
  if (lt >= 0) {
    let gt = toks.findIndex((t, i) => i > lt && t.t === 'special' && t.v === '>');
    if (gt < 0) gt = toks.length;
    let inner = toks.slice(lt + 1, gt);
    // strip source route  <@a,@b:user@host>
    const colon = inner.findIndex((t) => t.t === 'special' && t.v === ':');
    if (colon >= 0 && inner[0]?.v === '@') inner = inner.slice(colon + 1);
    const name = joinWords(toks.slice(0, lt).filter((t) => t.t !== 'special' || t.v === '.'));
    const { mailbox, host } = splitAddr(specFromTokens(inner));
    return { name: name || null, mailbox, host };
  }
  const { mailbox, host } = splitAddr(specFromTokens(toks));
  return { name: null, mailbox, host };
}

export function parseAddressList(value: string | null): ParsedAddress[] {
  if (!value) return [];
  const toks = tokenize(value);
  const out: ParsedAddress[] = [];
  let cur: Tok[] = [];
  let inGroup = false;
  let angle = false;
  const flush = () => {
    const a = parseMailbox(cur);
    if (a && (a.mailbox || a.host)) out.push(a);
    cur = [];
  };
  for (const t of toks) {
    if (t.t === 'special' && t.v === '<') angle = true;
    if (t.t === 'special' && t.v === '>') angle = false;
    if (!angle && t.t === 'special' && t.v === ':' && !inGroup) {
      out.push({ name: null, mailbox: null, host: null, group: { start: true, name: joinWords(cur) || null } });
      cur = [];
      inGroup = true;
      continue;
    }
    if (!angle && t.t === 'special' && t.v === ';' && inGroup) {
      flush();
      out.push({ name: null, mailbox: null, host: null, group: { start: false, name: null } });
      inGroup = false;
      continue;
    }
    if (!angle && t.t === 'special' && t.v === ',') { flush(); continue; }
    cur.push(t);
  }
  flush();
  if (inGroup) out.push({ name: null, mailbox: null, host: null, group: { start: false, name: null } });
  return out;
}
