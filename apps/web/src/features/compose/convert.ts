// Compose body helpers: HTML ⇄ plain text conversion and signature placement. DOM based (no string
// surgery on HTML); works on detached documents only, nothing is rendered or fetched.

/** The attribute that marks the signature block in the editor's HTML. */
export const SIGNATURE_ATTR = 'data-mailroom-signature';
/** The plain-text signature delimiter (RFC 3676 §4.3). */
export const TEXT_SIGNATURE_DELIMITER = '-- \n';

const BLOCK_TAGS = new Set([
  'address', 'article', 'aside', 'blockquote', 'dd', 'div', 'dl', 'dt', 'figcaption', 'figure', 'footer',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'table', 'tr', 'ul',
]);

function parse(html: string): HTMLElement {
  const doc = new DOMParser().parseFromString(`<!doctype html><html><body>${html}</body></html>`, 'text/html');
  return doc.body;
}

/** Escapes text for use inside HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

interface TextOut {
  lines: string[];
  current: string;
}

function flush(out: TextOut) {
  out.lines.push(out.current);
  out.current = '';
}

/** Ends the current line if it has content (a block boundary). */
function breakBlock(out: TextOut) {
  if (out.current !== '') flush(out);
}

function walk(node: Node, out: TextOut, pre: boolean) {
  if (node.nodeType === 3) {
    const text = node.textContent ?? '';
    if (pre) {
      const parts = text.split('\n');
      parts.forEach((part, i) => {
        if (i > 0) flush(out);
        out.current += part;
      });
    } else {
      const collapsed = text.replace(/[\t\n\r ]+/g, ' ');
      out.current += out.current === '' || out.current.endsWith(' ') ? collapsed.replace(/^ /, '') : collapsed;
    }
    return;
  }
  if (node.nodeType !== 1) return;
  const el = node as HTMLElement;
  const tag = el.localName;
  if (tag === 'script' || tag === 'style' || tag === 'head' || tag === 'title') return;
  if (tag === 'br') {
    flush(out);
    return;
  }
  if (tag === 'img') {
    const alt = el.getAttribute('alt');
    if (alt) out.current += `[${alt}]`;
    return;
  }
  if (tag === 'hr') {
    breakBlock(out);
    out.lines.push('----');
    return;
  }
  if (el.hasAttribute(SIGNATURE_ATTR)) {
    breakBlock(out);
    const inner = htmlToText(el.innerHTML);
    out.lines.push(...`${TEXT_SIGNATURE_DELIMITER}${inner}`.split('\n'));
    return;
  }
  if (tag === 'blockquote') {
    breakBlock(out);
    const inner = htmlToText(el.innerHTML);
    for (const line of inner.split('\n')) out.lines.push(line.startsWith('>') ? `>${line}` : line === '' ? '>' : `> ${line}`);
    return;
  }
  if (tag === 'ul' || tag === 'ol') {
    breakBlock(out);
    let n = Number(el.getAttribute('start') ?? '1') || 1;
    for (const child of Array.from(el.children)) {
      if (child.localName !== 'li') continue;
      const marker = tag === 'ol' ? `${n++}. ` : '- ';
      const inner = htmlToText(child.innerHTML).split('\n');
      inner.forEach((line, i) => out.lines.push(i === 0 ? `${marker}${line}` : `${' '.repeat(marker.length)}${line}`));
    }
    return;
  }
  const block = BLOCK_TAGS.has(tag);
  if (block) breakBlock(out);
  for (const child of Array.from(el.childNodes)) walk(child, out, pre || tag === 'pre');
  if (tag === 'a') {
    const href = el.getAttribute('href') ?? '';
    const text = (el.textContent ?? '').trim();
    if (href && !href.startsWith('#')) {
      const bare = href.replace(/^mailto:/i, '');
      if (bare !== text && href !== text) out.current += ` <${href}>`;
    }
  }
  if (block) {
    breakBlock(out);
    // Paragraphs and headings are separated by an empty line, like the editor shows them.
    if (tag === 'p' || /^h[1-6]$/.test(tag)) out.lines.push('');
  }
}

/** HTML → plain text that keeps the line structure (paragraphs, lists, quotes) and link URLs. */
export function htmlToText(html: string): string {
  const out: TextOut = { lines: [], current: '' };
  walk(parse(html), out, false);
  if (out.current !== '') flush(out);
  const lines = out.lines.map((l) => (l === TEXT_SIGNATURE_DELIMITER.trimEnd() + ' ' ? l : l.replace(/[ \t]+$/, '')));
  // no runs of more than one empty line, none at the ends
  const compact: string[] = [];
  for (const line of lines) {
    if (line === '' && (compact.length === 0 || compact[compact.length - 1] === '')) continue;
    compact.push(line);
  }
  while (compact.length > 0 && compact[compact.length - 1] === '') compact.pop();
  return compact.join('\n');
}

function linesToHtml(text: string): string {
  return text
    .split(/\n{2,}/)
    .map((para) => `<p>${para.split('\n').map(escapeHtml).join('<br>')}</p>`)
    .join('');
}

/**
 * Plain text → HTML: escaped, paragraphs at empty lines, "> " quotes as blockquotes and a
 * "-- " signature as the signature block.
 */
export function textToHtml(text: string): string {
  const normalised = text.replace(/\r\n?/g, '\n');
  const sigAt = normalised.startsWith(TEXT_SIGNATURE_DELIMITER) ? 0 : normalised.indexOf(`\n${TEXT_SIGNATURE_DELIMITER}`);
  const lines = normalised.split('\n');
  const parts: string[] = [];
  let plain: string[] = [];
  let quote: string[] = [];
  const flushPlain = () => {
    const chunk = plain.join('\n').replace(/^\n+|\n+$/g, '');
    if (chunk) parts.push(linesToHtml(chunk));
    plain = [];
  };
  const flushQuote = () => {
    if (quote.length) parts.push(`<blockquote>${textToHtml(quote.join('\n'))}</blockquote>`);
    quote = [];
  };
  let inSignature = false;
  let signature: string[] = [];
  let offset = 0;
  for (const line of lines) {
    const lineStart = offset;
    offset += line.length + 1;
    if (sigAt >= 0 && !inSignature && line === '-- ' && (lineStart === sigAt || lineStart === sigAt + 1)) {
      flushPlain();
      flushQuote();
      inSignature = true;
      continue;
    }
    if (inSignature) {
      // The signature ends at the quote or forwarded block below it (reply/forward layout).
      if (line.startsWith('>') || isForwardMarker(line) || (line === '' && signature.length > 0 && signatureEnds(lines, line, offset, normalised))) {
        parts.push(`<div ${SIGNATURE_ATTR}="">${linesToHtml(signature.join('\n').replace(/\n+$/, ''))}</div>`);
        inSignature = false;
        signature = [];
        if (line === '') continue;
      } else {
        signature.push(line);
        continue;
      }
    }
    if (line.startsWith('>')) {
      flushPlain();
      quote.push(line.replace(/^> ?/, ''));
    } else {
      flushQuote();
      plain.push(line);
    }
  }
  if (inSignature) parts.push(`<div ${SIGNATURE_ATTR}="">${linesToHtml(signature.join('\n').replace(/\n+$/, ''))}</div>`);
  flushPlain();
  flushQuote();
  return parts.join('');
}

/** An empty line inside a text signature ends it when a quote or forwarded block follows. */
function signatureEnds(_lines: string[], _line: string, offset: number, text: string): boolean {
  const rest = text.slice(offset).split('\n');
  for (const next of rest.slice(0, 3)) {
    if (next.startsWith('>') || isForwardMarker(next)) return true;
  }
  return false;
}

function isForwardMarker(line: string): boolean {
  return /^-{3,}\s*(Forwarded message|Original message|Weitergeleitete Nachricht)/i.test(line.trim());
}

function isQuoteLike(el: Element): boolean {
  if (el.localName === 'blockquote') return true;
  if (el.hasAttribute('data-mailroom-forward') || el.hasAttribute('data-mailroom-quote')) return true;
  const cls = el.getAttribute('class') ?? '';
  if (/\b(forward|quote|gmail_quote|moz-cite-prefix|mailroom-quote|mailroom-forward)/i.test(cls)) return true;
  return isForwardMarker(el.textContent ?? '');
}

export type SignatureMode = 'new' | 'reply';

/**
 * Puts the signature block in the editor's HTML: replaces an existing block in place; otherwise
 * on a reply/forward before the first top-level quote or forwarded block (the attribution line
 * "On … wrote:" right above the quote stays with it), and at the end for a new message.
 * An empty signature removes the block.
 */
export function placeSignatureHtml(html: string, signatureHtml: string, mode: SignatureMode): string {
  const body = parse(html);
  const existing = body.querySelector(`[${SIGNATURE_ATTR}]`);
  const doc = body.ownerDocument;
  let block: HTMLElement | null = null;
  if (signatureHtml.trim()) {
    block = doc.createElement('div');
    block.setAttribute(SIGNATURE_ATTR, '');
    const content = parse(signatureHtml);
    for (const node of Array.from(content.childNodes)) block.appendChild(doc.importNode(node, true));
  }
  if (existing) {
    if (block) existing.replaceWith(block);
    else existing.remove();
    return body.innerHTML;
  }
  if (!block) return body.innerHTML;
  if (mode === 'reply') {
    const children = Array.from(body.children);
    const index = children.findIndex(isQuoteLike);
    if (index >= 0) {
      let anchor = children[index]!;
      const before = children[index - 1];
      // the attribution line ("On Monday, Bob wrote:") belongs to the quote
      if (anchor.localName === 'blockquote' && before && /:\s*$/.test(before.textContent ?? '') && !before.hasAttribute(SIGNATURE_ATTR)) anchor = before;
      body.insertBefore(block, anchor);
      return body.innerHTML;
    }
  }
  body.appendChild(block);
  return body.innerHTML;
}

/**
 * The same for plain text: "-- \n" + signature. `previous` is the signature text placed before (to
 * swap it when the identity changes).
 */
export function placeSignatureText(text: string, signatureText: string, mode: SignatureMode, previous = ''): string {
  const block = signatureText.trim() ? `${TEXT_SIGNATURE_DELIMITER}${signatureText.replace(/\n+$/, '')}` : '';
  if (previous.trim()) {
    const old = `${TEXT_SIGNATURE_DELIMITER}${previous.replace(/\n+$/, '')}`;
    const at = text.indexOf(old);
    if (at >= 0) {
      if (block) return text.slice(0, at) + block + text.slice(at + old.length);
      // remove it with the empty line that separated it
      const before = text.slice(0, at).replace(/\n\n$/, '\n');
      return before + text.slice(at + old.length).replace(/^\n/, '');
    }
  }
  if (!block) return text;
  if (mode === 'reply') {
    const lines = text.split('\n');
    let index = lines.findIndex((l) => l.startsWith('>') || isForwardMarker(l));
    if (index >= 0) {
      // keep the attribution line (and the empty line before the quote) with the quote
      if (index > 0 && lines[index - 1] !== undefined && /:\s*$/.test(lines[index - 1]!) && !lines[index - 1]!.startsWith('>')) index -= 1;
      const head = lines.slice(0, index).join('\n').replace(/\n+$/, '');
      const tail = lines.slice(index).join('\n');
      return `${head}${head ? '\n\n' : '\n\n'}${block}\n\n${tail}`;
    }
  }
  const head = text.replace(/\n+$/, '');
  return `${head}\n\n${block}`;
}

/** The signature of an identity as plain text. */
export function signatureAsText(signatureHtml: string): string {
  return signatureHtml.trim() ? htmlToText(signatureHtml) : '';
}

/** True when the editor HTML has no visible content (only empty paragraphs and the signature). */
export function isEmptyHtml(html: string): boolean {
  const body = parse(html);
  body.querySelectorAll(`[${SIGNATURE_ATTR}]`).forEach((n) => n.remove());
  return (body.textContent ?? '').trim() === '' && body.querySelector('img') === null;
}
