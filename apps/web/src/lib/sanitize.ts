// Untrusted mail HTML → a safe document for a sandboxed iframe (see DESIGN.md "Untrusted HTML").
//
// Layers, each sufficient against a different class of attack:
//   1. DOMPurify with a strict configuration removes scripts, event handlers, dangerous URLs,
//      forms, <base>/<meta>/<link>, plugins, frames and SVG animation.
//   2. DOM hooks move every remote reference (src, srcset, background, poster, href of SVG images,
//      CSS url()/image-set()/@import) out of reach until the user allows remote content, map cid:
//      to our attachment URLs, and force links to open in a new tab without opener/referrer.
//   3. The result is rendered in <iframe sandbox> without allow-scripts / allow-same-origin, and
//      its document carries its own Content-Security-Policy.
// The sanitised DOM is never edited as a string: hooks work on nodes and the final document is
// built with DOM APIs and serialised once.
import DOMPurify from 'dompurify';
import type { Attachment } from '@mailroom/shared';

export interface SanitizeOptions {
  /** Load remote images, backgrounds and CSS resources (the user clicked "Load remote content"). */
  allowRemote: boolean;
  /** Attachments of the message, for cid: references. */
  attachments?: readonly Attachment[];
  /**
   * Images already loaded by the app, by Content-ID (data: URLs). A cid: reference uses this first,
   * then falls back to the attachment's URL on our origin.
   */
  inlineImages?: ReadonlyMap<string, string>;
  /** Origin of the web app, used to turn attachment URLs into absolute ones (defaults to location.origin). */
  origin?: string;
}

export interface SanitizedHtml {
  /** The sanitised body content (owned by a detached document). */
  body: HTMLElement;
  /** True when at least one remote reference was blocked. */
  blockedRemote: boolean;
  /** Content-IDs of attachments referenced by the HTML (shown inline, not in the attachment list). */
  usedContentIds: Set<string>;
}

/** Attribute where a blocked remote reference is parked, e.g. src → data-mr-src. */
export const BLOCKED_ATTR_PREFIX = 'data-mr-';

const FORBID_TAGS = [
  'form', 'input', 'button', 'textarea', 'select', 'option', 'optgroup', 'datalist', 'output',
  'base', 'meta', 'link', 'script', 'noscript', 'template',
  'object', 'embed', 'applet', 'param', 'iframe', 'frame', 'frameset', 'portal',
  // SVG animation can rewrite attributes (e.g. href) after sanitising.
  'animate', 'animatecolor', 'animatemotion', 'animatetransform', 'set', 'mpath', 'discard',
  'animateColor', 'animateMotion', 'animateTransform',
];

const FORBID_ATTR = [
  'action', 'formaction', 'ping', 'download', 'srcdoc', 'http-equiv', 'autofocus', 'contenteditable',
  'lowsrc', 'dynsrc', 'data', 'codebase', 'archive', 'manifest', 'attributename', 'from', 'to', 'values', 'by',
];

/** Attributes that make the browser fetch something when the element is rendered. */
const FETCH_ATTRS = ['src', 'background', 'poster'];
const SAFE_LINK_SCHEME = /^(?:https?|mailto):/i;
const REMOTE_URL = /^(?:https?:)?\/\//i;
const DATA_IMAGE_URL = /^data:image\/(?:png|gif|jpe?g|webp|bmp|avif|x-icon|vnd\.microsoft\.icon);/i;

function defaultOrigin(): string {
  return typeof location !== 'undefined' ? location.origin : 'http://localhost';
}

/** Removes whitespace/control characters browsers ignore inside URLs (e.g. "java\tscript:"). */
function normaliseUrl(value: string): string {
  return value.replace(/[\u0000-\u0020\u007f-\u00a0\u1680\u180e\u2000-\u2029\u205f\u3000\ufeff]/g, '');
}

type UrlVerdict =
  | { kind: 'keep'; url: string }
  | { kind: 'remote' }
  | { kind: 'drop' };

interface Context {
  allowRemote: boolean;
  origin: string;
  byContentId: Map<string, Attachment>;
  inlineImages: ReadonlyMap<string, string>;
  blockedRemote: boolean;
  usedContentIds: Set<string>;
}

function attachmentUrl(ctx: Context, cidUrl: string): string | null {
  let id = cidUrl.slice(4);
  try {
    id = decodeURIComponent(id);
  } catch {
    /* keep the raw id */
  }
  id = id.replace(/^<|>$/g, '');
  const found = ctx.byContentId.get(id) ?? ctx.byContentId.get(id.toLowerCase());
  if (!found) return null;
  // Only our own API URLs: anything else from the server is not trusted either.
  if (!found.url.startsWith('/') || found.url.startsWith('//')) return null;
  if (found.contentId) {
    ctx.usedContentIds.add(found.contentId);
    const loaded = ctx.inlineImages.get(found.contentId);
    if (loaded && DATA_IMAGE_URL.test(loaded)) return loaded;
  }
  return new URL(found.url, ctx.origin).href;
}

/** Decides what to do with a URL that the browser would fetch (image, background, CSS resource). */
function classifyResourceUrl(ctx: Context, raw: string): UrlVerdict {
  const url = normaliseUrl(raw);
  if (/^cid:/i.test(url)) {
    const mapped = attachmentUrl(ctx, url);
    return mapped ? { kind: 'keep', url: mapped } : { kind: 'drop' };
  }
  if (DATA_IMAGE_URL.test(url)) return { kind: 'keep', url: raw.trim() };
  if (REMOTE_URL.test(url)) {
    if (!ctx.allowRemote) return { kind: 'remote' };
    return { kind: 'keep', url: url.startsWith('//') ? `https:${url}` : url };
  }
  // Relative URLs would resolve against our own origin, other schemes are never needed.
  return { kind: 'drop' };
}

// ---------------------------------------------------------------------------------------------
// CSS

/** Resolves CSS escapes so that obfuscated functions (u\72l(), \75rl()) are recognised. */
function unescapeCss(css: string): string {
  return css
    .replace(/\\([0-9a-fA-F]{1,6})[ \t\n\r\f]?/g, (_m, hex: string) => {
      const code = Number.parseInt(hex, 16);
      if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return '\ufffd';
      return String.fromCodePoint(code);
    })
    .replace(/\\\r\n|\\[\n\r\f]/g, '')
    .replace(/\\(.)/gs, '$1');
}

/** Index of the parenthesis closing the one at `open`, or -1. Quotes are respected. */
function matchParen(css: string, open: number): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = open; i < css.length; i++) {
    const ch = css[i];
    if (quote) {
      if (ch === quote) quote = null;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

const CSS_FUNCTION = /(-webkit-image-set|-moz-image-set|image-set|cross-fade|-webkit-cross-fade|image|url|expression|element|-moz-element|src)\s*\(/gi;
/** A quoted string that is not already the argument of url(). */
const STRING_URL = /(?<!url\(\s*)(?:"([^"]*)"|'([^']*)')/gi;

function cssString(url: string): string {
  return `url("${url.replace(/["\\\n\r<>]/g, (c) => `\\${c.charCodeAt(0).toString(16)} `)}")`;
}

/**
 * Rewrites CSS so it cannot fetch anything we do not allow. Returns the new CSS text.
 * url(), image-set(), image(), cross-fade() and src() are checked; @import is removed.
 */
function sanitizeCss(input: string, ctx: Context): string {
  let css = unescapeCss(input).replace(/\/\*[\s\S]*?(?:\*\/|$)/g, ' ');
  css = css.replace(/@import\b[^;]*(?:;|$)/gi, () => {
    ctx.blockedRemote ||= !ctx.allowRemote;
    return '';
  });

  let out = '';
  let last = 0;
  const re = new RegExp(CSS_FUNCTION.source, 'gi');
  for (let m = re.exec(css); m; m = re.exec(css)) {
    const name = (m[1] ?? '').toLowerCase();
    const open = m.index + m[0].length - 1;
    const close = matchParen(css, open);
    const end = close < 0 ? css.length : close + 1;
    const inner = css.slice(open + 1, close < 0 ? css.length : close);
    let replacement: string;
    if (name === 'url' || name === 'src') {
      const value = inner.trim().replace(/^(["'])([\s\S]*)\1$/, '$2');
      const verdict = classifyResourceUrl(ctx, value);
      if (verdict.kind === 'keep') replacement = cssString(verdict.url);
      else {
        if (verdict.kind === 'remote') ctx.blockedRemote = true;
        replacement = 'none';
      }
    } else if (name === 'expression' || name === 'element' || name === '-moz-element') {
      replacement = 'none';
    } else {
      // image-set() and friends take bare strings as URLs: treat them as url() and check each.
      const nested = sanitizeCss(inner.replace(STRING_URL, (_s, a?: string, b?: string) => `url("${a ?? b ?? ''}")`), ctx);
      replacement = /url\(/i.test(nested) ? `${m[1]}(${nested})` : 'none';
    }
    out += css.slice(last, m.index) + replacement;
    last = end;
    re.lastIndex = end;
  }
  out += css.slice(last);
  // After unescaping, "<" could close a <style> element when serialised: keep it escaped.
  return out.replace(/</g, '\\3c ').replace(/>/g, '\\3e ');
}

// ---------------------------------------------------------------------------------------------
// DOMPurify

const URL_ATTRS_HANDLED = new Set(['href', 'xlink:href', 'src', 'srcset', 'background', 'poster', 'style', 'alt', 'title', 'target', 'rel']);

function handleLink(el: Element): void {
  for (const attr of ['href', 'xlink:href']) {
    const value = el.getAttribute(attr);
    if (value === null) continue;
    if (SAFE_LINK_SCHEME.test(normaliseUrl(value))) continue;
    el.removeAttribute(attr);
  }
  if (el.hasAttribute('href') || el.hasAttribute('xlink:href')) {
    el.setAttribute('target', '_blank');
    el.setAttribute('rel', 'noopener noreferrer');
  } else {
    el.removeAttribute('target');
  }
}

function blockAttr(el: Element, attr: string, value: string, ctx: Context): void {
  el.removeAttribute(attr);
  el.setAttribute(BLOCKED_ATTR_PREFIX + attr.replace(':', '-'), value);
  ctx.blockedRemote = true;
}

function handleFetchAttr(el: Element, attr: string, ctx: Context): void {
  const value = el.getAttribute(attr);
  if (value === null) return;
  const verdict = classifyResourceUrl(ctx, value);
  if (verdict.kind === 'keep') el.setAttribute(attr, verdict.url);
  else if (verdict.kind === 'remote') blockAttr(el, attr, value, ctx);
  else el.removeAttribute(attr);
}

function handleSrcset(el: Element, ctx: Context): void {
  const value = el.getAttribute('srcset');
  if (value === null) return;
  const candidates = value.split(',').map((c) => c.trim()).filter(Boolean);
  const kept: string[] = [];
  let remote = false;
  for (const candidate of candidates) {
    const [url = '', ...descriptor] = candidate.split(/\s+/);
    const verdict = classifyResourceUrl(ctx, url);
    if (verdict.kind === 'keep') kept.push([verdict.url, ...descriptor].join(' '));
    else if (verdict.kind === 'remote') remote = true;
  }
  if (remote) {
    blockAttr(el, 'srcset', value, ctx);
    return;
  }
  if (kept.length > 0) el.setAttribute('srcset', kept.join(', '));
  else el.removeAttribute('srcset');
}

function afterAttributes(node: Element, ctx: Context): void {
  if (!(node.nodeType === 1)) return;
  const el = node;
  const tag = el.localName.toLowerCase();

  if (tag === 'a' || tag === 'area') {
    handleLink(el);
  } else {
    // On any other element (SVG <image>, <feImage> …) href means "fetch this".
    for (const attr of ['href', 'xlink:href']) {
      const value = el.getAttribute(attr);
      if (value === null) continue;
      if (value.trim().startsWith('#')) continue;
      handleFetchAttr(el, attr, ctx);
    }
  }
  for (const attr of FETCH_ATTRS) handleFetchAttr(el, attr, ctx);
  handleSrcset(el, ctx);

  // SVG presentation attributes (fill, filter, mask, clip-path, marker-*) may reference url()s.
  for (const attr of Array.from(el.attributes)) {
    if (URL_ATTRS_HANDLED.has(attr.name.toLowerCase()) || attr.name.toLowerCase().startsWith(BLOCKED_ATTR_PREFIX)) continue;
    if (/url\s*\(|image-set\s*\(|image\s*\(|src\s*\(/i.test(unescapeCss(attr.value))) {
      el.setAttribute(attr.name, sanitizeCss(attr.value, ctx));
    }
  }

  const style = el.getAttribute('style');
  if (style !== null) {
    const clean = sanitizeCss(style, ctx).trim();
    if (clean) el.setAttribute('style', clean);
    else el.removeAttribute('style');
  }
}

/** Sanitises untrusted mail HTML. Works on a detached DOM; nothing is rendered or fetched. */
export function sanitizeEmailHtml(raw: string, options: SanitizeOptions): SanitizedHtml {
  const ctx: Context = {
    allowRemote: options.allowRemote,
    origin: options.origin ?? defaultOrigin(),
    byContentId: new Map(),
    inlineImages: options.inlineImages ?? new Map(),
    blockedRemote: false,
    usedContentIds: new Set(),
  };
  for (const a of options.attachments ?? []) {
    if (!a.contentId) continue;
    const id = a.contentId.replace(/^<|>$/g, '');
    if (!ctx.byContentId.has(id)) ctx.byContentId.set(id, a);
    if (!ctx.byContentId.has(id.toLowerCase())) ctx.byContentId.set(id.toLowerCase(), a);
  }

  // A private instance per call: hooks close over this call's context and never leak.
  const purify = DOMPurify(window);
  purify.addHook('uponSanitizeAttribute', (_node, data) => {
    // Our own marker attributes are never accepted from the mail.
    if (data.attrName.toLowerCase().startsWith(BLOCKED_ATTR_PREFIX)) data.keepAttr = false;
  });
  purify.addHook('afterSanitizeAttributes', (node) => {
    if (node.nodeType === 1) afterAttributes(node as Element, ctx);
  });
  purify.addHook('afterSanitizeElements', (node) => {
    if (node.nodeType === 1 && (node as Element).localName.toLowerCase() === 'style') {
      node.textContent = sanitizeCss(node.textContent ?? '', ctx);
    }
  });

  const body = purify.sanitize(raw, {
    WHOLE_DOCUMENT: false,
    RETURN_DOM: true,
    FORCE_BODY: true,
    FORBID_TAGS,
    FORBID_ATTR,
    ALLOW_UNKNOWN_PROTOCOLS: false,
    SAFE_FOR_TEMPLATES: false,
  }) as HTMLElement;
  purify.removeAllHooks();

  return { body, blockedRemote: ctx.blockedRemote, usedContentIds: ctx.usedContentIds };
}

/** Content-IDs of the attachments the HTML shows inline (cid: references that match an attachment). */
export function referencedContentIds(raw: string, attachments: readonly Attachment[]): Set<string> {
  if (!attachments.some((a) => a.contentId)) return new Set();
  return sanitizeEmailHtml(raw, { allowRemote: false, attachments }).usedContentIds;
}

/** The Content-Security-Policy carried by the message document itself. */
export function messageCsp(origin: string, allowRemote: boolean): string {
  const img = ['data:', `${origin}/api/`, ...(allowRemote ? ['https:', 'http:'] : [])].join(' ');
  return [
    "default-src 'none'",
    `img-src ${img}`,
    "style-src 'unsafe-inline'",
    'font-src data:',
    ...(allowRemote ? ['media-src https: http:'] : []),
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** Our own styles for the message document: readable defaults that mail styles may override. */
const BASE_CSS = `
html { color-scheme: light; }
body { margin: 0; padding: 16px; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: #1f2328; background: #fff; overflow-wrap: anywhere; }
img { max-width: 100%; height: auto; }
pre { white-space: pre-wrap; }
blockquote { margin: 0 0 0 8px; padding-left: 8px; border-left: 2px solid #c8ccd1; color: #555; }
`;

export interface MessageDocument {
  /** Full HTML document for <iframe srcdoc>. */
  srcdoc: string;
  blockedRemote: boolean;
  usedContentIds: Set<string>;
}

/** Sanitises mail HTML and wraps it in a complete document with its own CSP (built with DOM APIs). */
export function buildMessageDocument(raw: string, options: SanitizeOptions): MessageDocument {
  const origin = options.origin ?? defaultOrigin();
  const clean = sanitizeEmailHtml(raw, { ...options, origin });
  const doc = document.implementation.createHTMLDocument('');
  const head = doc.head;
  head.replaceChildren();

  const charset = doc.createElement('meta');
  charset.setAttribute('charset', 'utf-8');
  const csp = doc.createElement('meta');
  csp.setAttribute('http-equiv', 'Content-Security-Policy');
  csp.setAttribute('content', messageCsp(origin, options.allowRemote));
  const referrer = doc.createElement('meta');
  referrer.setAttribute('name', 'referrer');
  referrer.setAttribute('content', 'no-referrer');
  const style = doc.createElement('style');
  style.textContent = BASE_CSS;
  head.append(charset, csp, referrer, style);

  doc.body.replaceChildren(...Array.from(clean.body.childNodes, (n) => doc.importNode(n, true)));
  return {
    srcdoc: `<!DOCTYPE html>${doc.documentElement.outerHTML}`,
    blockedRemote: clean.blockedRemote,
    usedContentIds: clean.usedContentIds,
  };
}
