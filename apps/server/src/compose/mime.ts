// MIME composition for compose: the message that goes out (and its Sent copy), the draft kept in
// Drafts, and the way back from a draft (or any message) to the compose state.
//
// - format "html": multipart/alternative (a text part generated from the HTML + the HTML); inline
//   images (<img src="/api/uploads/ID">) become cid: parts in multipart/related.
// - format "text": text/plain; charset=utf-8; format=flowed.
// - attachments come from the user's uploads (message/rfc822 uploads are attached as messages).
// - drafts carry what MIME cannot say in the X-Mailroom-Draft header (base64url JSON).
import { randomUUID } from 'node:crypto';
import { domainToUnicode } from 'node:url';
import { convert as htmlToText } from 'html-to-text';
import { simpleParser, type AddressObject, type Attachment, type ParsedMail } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type MimeNode from 'nodemailer/lib/mime-node/index.js';
import {
  composeState as composeStateSchema,
  type ComposeState,
  type ComposeStateResponse,
  type Identity,
  type Recipient,
  type Upload,
} from '@mailroom/shared';
import { HttpError } from '../errors.js';
import { UploadStore } from '../data/uploads.js';
import { encodeFlowed } from './flowed.js';

export interface ComposeOptions {
  identity: Identity;
  /** Right-hand side of the Message-ID. */
  hostname: string;
  /** Whose uploads the attachments and inline images are. */
  owner: string;
  uploads: UploadStore;
  /** The submission server offers SMTPUTF8: internationalised local parts may be used. */
  smtpUtf8?: boolean;
}

export interface ComposedMail {
  messageId: string;
  /** What goes to the submission server (no Bcc header). */
  wire: Buffer;
  /** The copy kept in Sent (Bcc kept). */
  sentCopy: Buffer;
  /** SMTP envelope: IDN domains as A-labels. */
  envelope: { from: string; to: string[] };
}

export const DRAFT_HEADER = 'X-Mailroom-Draft';

/** What a draft keeps beyond the MIME message, so it reopens exactly as left. */
interface DraftMeta {
  v: 1;
  identityId?: string;
  format: ComposeState['format'];
  priority: ComposeState['priority'];
  readReceipt: boolean;
  source?: ComposeState['source'];
  inReplyTo?: string;
  references?: string[];
  /** How many line breaks the body ended with (MIME bodies do not keep that exactly). */
  trailingNewlines?: number;
}

/** Matches <img ... src="/api/uploads/ID"> (also with an absolute origin in front). */
const UPLOAD_IMG = /(<img\b[^>]*?\bsrc\s*=\s*)(["'])(?:https?:\/\/[^"'/\s>]+)?\/api\/uploads\/([A-Za-z0-9_-]{10,64})\2/gi;
/** Matches <img ... src="cid:..."> */
const CID_IMG = /(<img\b[^>]*?\bsrc\s*=\s*)(["'])cid:([^"']+)\2/gi;

const hasNonAscii = (s: string) => /[^\u0000-\u007f]/.test(s);

const localPart = (address: string) => address.slice(0, address.lastIndexOf('@'));

const toMailAddress = (r: Recipient): Mail.Address => ({ name: r.name, address: r.address });

/** Text alternative of the HTML body. */
export function textFromHtml(html: string): string {
  return htmlToText(html, {
    wordwrap: 76,
    selectors: [
      { selector: 'img', format: 'skip' },
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
      { selector: 'h1', options: { uppercase: false } },
      { selector: 'h2', options: { uppercase: false } },
      { selector: 'h3', options: { uppercase: false } },
      { selector: 'h4', options: { uppercase: false } },
      { selector: 'h5', options: { uppercase: false } },
      { selector: 'h6', options: { uppercase: false } },
      { selector: 'table', format: 'dataTable' },
    ],
  });
}

function normaliseState(state: ComposeState): ComposeState {
  // Callers pass parsed state; parsing again fills defaults for partial objects from tests and code.
  return composeStateSchema.parse(state);
}

interface Built {
  options: Mail.Options;
  messageId: string;
}

/** Nodemailer options for the message (shared by the wire form, the Sent copy and the draft). */
async function buildOptions(input: ComposeState, opts: ComposeOptions, extraHeaders: Record<string, string> = {}): Promise<Built> {
  const state = normaliseState(input);
  const { identity } = opts;
  const messageId = `<${randomUUID()}@${opts.hostname}>`;
  const attachments: Mail.Attachment[] = [];

  let html: string | undefined;
  let text: string | undefined;
  const alternatives: Mail.Attachment[] = [];
  if (state.format === 'html') {
    const inline = new Map<string, string>(); // upload id → cid
    const missing: string[] = [];
    const ids = [...state.html.matchAll(UPLOAD_IMG)].map((m) => m[3]!);
    for (const id of new Set(ids)) {
      const stored = await opts.uploads.read(opts.owner, id);
      if (!stored) {
        missing.push(id);
        continue;
      }
      const cid = `${id}@mailroom`;
      inline.set(id, cid);
      attachments.push({
        filename: stored.meta.filename,
        content: stored.content,
        contentType: stored.meta.contentType,
        cid,
        contentDisposition: 'inline',
      });
    }
    if (missing.length) {
      throw new HttpError(400, 'bad_request', `An inline image is no longer available (upload ${missing.join(', ')}). Remove it and add it again.`, {
        missing,
      });
    }
    html = state.html.replace(UPLOAD_IMG, (_m, pre: string, q: string, id: string) => `${pre}${q}cid:${inline.get(id)}${q}`);
    text = textFromHtml(state.html);
  } else {
    alternatives.push({ contentType: 'text/plain; charset=utf-8; format=flowed', content: encodeFlowed(state.text) });
  }

  const missing: string[] = [];
  for (const id of state.attachments) {
    const stored = await opts.uploads.read(opts.owner, id);
    if (!stored) {
      missing.push(id);
      continue;
    }
    const isMessage = stored.meta.contentType === 'message/rfc822';
    attachments.push({
      filename: stored.meta.filename,
      content: stored.content,
      contentType: stored.meta.contentType,
      contentDisposition: 'attachment',
    } as Mail.Attachment);
    if (isMessage) (attachments[attachments.length - 1] as { contentTransferEncoding?: string }).contentTransferEncoding = hasEightBit(stored.content) ? '8bit' : '7bit';
  }
  if (missing.length) {
    throw new HttpError(400, 'bad_request', `An attachment is no longer available (upload ${missing.join(', ')}). Remove it and attach the file again.`, {
      missing,
    });
  }

  const headers: Record<string, string> = { 'User-Agent': 'Mailroom', ...extraHeaders };
  if (state.readReceipt) headers['Disposition-Notification-To'] = identity.email;
  // Nodemailer's `priority` option is applied by its transport, not by MailComposer: the same headers here.
  if (state.priority === 'high') Object.assign(headers, { 'X-Priority': '1 (Highest)', 'X-MSMail-Priority': 'High', Importance: 'High' });
  if (state.priority === 'low') Object.assign(headers, { 'X-Priority': '5 (Lowest)', 'X-MSMail-Priority': 'Low', Importance: 'Low' });

  const options: Mail.Options = {
    from: { name: identity.name, address: identity.email },
    replyTo: identity.replyTo ?? undefined,
    to: state.to.length ? state.to.map(toMailAddress) : undefined,
    cc: state.cc.length ? state.cc.map(toMailAddress) : undefined,
    bcc: state.bcc.length ? state.bcc.map(toMailAddress) : undefined,
    subject: state.subject,
    messageId,
    date: new Date(),
    inReplyTo: state.inReplyTo || undefined,
    references: state.references?.length ? state.references : undefined,
    headers,
    html,
    text,
    alternatives: alternatives.length ? alternatives : undefined,
    attachments,
  };
  return { options, messageId };
}

function hasEightBit(buf: Buffer): boolean {
  for (const byte of buf) if (byte > 0x7f) return true;
  return false;
}

function compile(options: Mail.Options, keepBcc: boolean): MimeNode {
  const node = new MailComposer(options).compile();
  (node as unknown as { keepBcc: boolean }).keepBcc = keepBcc;
  return node;
}

/** The message to send: wire form (no Bcc), the Sent copy (Bcc kept) and the SMTP envelope. */
export async function composeMime(state: ComposeState, opts: ComposeOptions): Promise<ComposedMail> {
  const full = normaliseState(state);
  if (!opts.smtpUtf8) {
    const intl = [opts.identity.email, ...full.to, ...full.cc, ...full.bcc]
      .map((r) => (typeof r === 'string' ? r : r.address))
      .filter((a) => hasNonAscii(localPart(a)));
    if (intl.length) {
      throw new HttpError(
        422,
        'recipient_refused',
        `The mail server cannot take internationalised addresses (no SMTPUTF8): ${intl.join(', ')}. Use an ASCII address instead.`,
        { rejected: intl },
      );
    }
  }
  const { options, messageId } = await buildOptions(full, opts);
  const wireNode = compile(options, false);
  const envelope = wireNode.getEnvelope() as { from: string | false; to: string[] };
  const [wire, sentCopy] = await Promise.all([wireNode.build(), compile(options, true).build()]);
  return { messageId, wire, sentCopy, envelope: { from: envelope.from || opts.identity.email, to: envelope.to } };
}

/** The draft form: the same message with Bcc kept and X-Mailroom-Draft for the rest of the state. */
export async function draftMime(state: ComposeState, opts: ComposeOptions): Promise<Buffer> {
  const full = normaliseState(state);
  const meta: DraftMeta = {
    v: 1,
    identityId: full.identityId,
    format: full.format,
    priority: full.priority,
    readReceipt: full.readReceipt,
    source: full.source,
    inReplyTo: full.inReplyTo,
    references: full.references,
    trailingNewlines: trailingNewlines(full.format === 'html' ? full.html : full.text),
  };
  const encoded = Buffer.from(JSON.stringify(meta), 'utf8').toString('base64url');
  // Folded in chunks so no header line gets too long (folding whitespace is removed when read).
  const folded = encoded.match(/.{1,72}/g)?.join(' ') ?? '';
  const { options } = await buildOptions(full, opts, { [DRAFT_HEADER]: folded });
  return compile(options, true).build();
}

/** The X-Mailroom-Draft header value back to its fields (null when absent or unreadable). */
export function readDraftMeta(value: string | undefined): Partial<DraftMeta> | null {
  if (!value) return null;
  try {
    const json = JSON.parse(Buffer.from(value.replace(/\s+/g, ''), 'base64url').toString('utf8')) as unknown;
    return json && typeof json === 'object' ? (json as Partial<DraftMeta>) : null;
  } catch {
    return null;
  }
}

/** An address as the user typed it: IDN domains back to Unicode. */
function unicodeAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) return address;
  const domain = address.slice(at + 1);
  if (!/(^|\.)xn--/i.test(domain)) return address;
  const unicode = domainToUnicode(domain);
  return unicode ? `${address.slice(0, at)}@${unicode}` : address;
}

/** Recipients of a parsed address header (groups flattened). */
export function recipientsOf(value: AddressObject | AddressObject[] | undefined): Recipient[] {
  const out: Recipient[] = [];
  const visit = (list: { name?: string; address?: string; group?: { name?: string; address?: string }[] }[]) => {
    for (const a of list) {
      if (a.group) visit(a.group);
      else if (a.address) out.push({ name: a.name ?? '', address: unicodeAddress(a.address) });
    }
  };
  for (const obj of ([] as AddressObject[]).concat(value ?? [])) visit(obj.value);
  return out;
}

function headerText(parsed: ParsedMail, name: string): string | undefined {
  const v = parsed.headers.get(name.toLowerCase());
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && 'value' in (v as object)) return String((v as { value: unknown }).value);
  return String(v);
}

/** Raw (unparsed) header value, unfolded. */
function rawHeader(parsed: ParsedMail, name: string): string | undefined {
  const line = parsed.headerLines.find((h) => h.key === name.toLowerCase())?.line;
  if (!line) return undefined;
  return line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
}

function priorityOf(parsed: ParsedMail): ComposeState['priority'] {
  // mailparser folds X-Priority, X-MSMail-Priority and Importance into one "priority" header.
  const priority = parsed.headers.get('priority');
  if (priority === 'high' || priority === 'low') return priority;
  return 'normal';
}

/** Saves a parsed part as an upload of `owner`. */
async function saveAttachment(a: Attachment, owner: string, uploads: UploadStore, fallbackName: string) {
  return uploads.save(owner, { filename: a.filename || fallbackName, contentType: a.contentType }, a.content);
}

export interface ParsedBody {
  html: string;
  text: string;
  format: ComposeState['format'];
  /** Attachments (not inline images), already saved as uploads. */
  attachments: Upload[];
}

/**
 * The body of a parsed message for compose: HTML with its cid: images saved as uploads and the src
 * rewritten to /api/uploads/ID; the other attachments saved as uploads too (with `withAttachments`).
 */
export async function bodyFromParsed(
  parsed: ParsedMail,
  owner: string,
  uploads: UploadStore,
  withAttachments = true,
  /** false: cid: images are not made uploads for the HTML (they count as attachments instead). */
  inlineImages = true,
): Promise<ParsedBody> {
  const html = typeof parsed.html === 'string' ? parsed.html : '';
  const cids = new Map<string, Attachment>();
  for (const a of parsed.attachments) {
    const cid = a.cid ?? a.contentId?.replace(/^<|>$/g, '');
    if (cid) cids.set(cid.toLowerCase(), a);
  }
  const usedCids = new Set<string>();
  const savedCids = new Map<string, string>(); // cid → upload id
  let rewritten = html;
  if (html && inlineImages) {
    for (const m of html.matchAll(CID_IMG)) {
      const cid = m[3]!.trim();
      const part = cids.get(cid.toLowerCase());
      if (!part || savedCids.has(cid.toLowerCase())) continue;
      const meta = await saveAttachment(part, owner, uploads, 'image');
      savedCids.set(cid.toLowerCase(), meta.id);
      usedCids.add(cid.toLowerCase());
    }
    rewritten = html.replace(CID_IMG, (whole, pre: string, q: string, cid: string) => {
      const id = savedCids.get(cid.trim().toLowerCase());
      return id ? `${pre}${q}/api/uploads/${id}${q}` : whole;
    });
    // An image whose part is missing would go out broken: it is left out.
    rewritten = rewritten.replace(/<img\b[^>]*?\bsrc\s*=\s*(["'])cid:[^"']*\1[^>]*>/gi, '');
  }
  const attachments: Upload[] = [];
  if (withAttachments) {
    let n = 0;
    for (const a of parsed.attachments) {
      const cid = (a.cid ?? a.contentId?.replace(/^<|>$/g, ''))?.toLowerCase();
      if (cid && usedCids.has(cid)) continue;
      n += 1;
      const fallback = a.contentType === 'message/rfc822' ? `message-${n}.eml` : `attachment-${n}`;
      attachments.push(UploadStore.toApi(await saveAttachment(a, owner, uploads, fallback)));
    }
  }
  const hasText = typeof parsed.text === 'string';
  return {
    html: rewritten,
    text: hasText ? normaliseNewlines(parsed.text ?? '') : '',
    format: html ? 'html' : 'text',
    attachments,
  };
}

const trailingNewlines = (s: string) => s.length - s.replace(/\n+$/, '').length;

const normaliseNewlines = (s: string) => s.replace(/\r\n/g, '\n');

/** mailparser with cid: links kept (bodyFromParsed turns them into uploads) and no generated HTML. */
export function parseMime(raw: Buffer): Promise<ParsedMail> {
  return simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
}

/** A draft (or a sent copy) back to the compose state; its parts become new uploads. */
export async function stateFromMime(raw: Buffer, owner: string, uploads: UploadStore): Promise<ComposeStateResponse> {
  const parsed = await parseMime(raw);
  const meta = readDraftMeta(rawHeader(parsed, DRAFT_HEADER)) ?? {};
  const body = await bodyFromParsed(parsed, owner, uploads);
  const format = meta.format === 'html' || meta.format === 'text' ? meta.format : body.format;
  let html = '';
  let text = '';
  if (format === 'html') html = body.html || escapeHtml(body.text).replace(/\n/g, '<br>');
  else text = body.text || (body.html ? textFromHtml(body.html) : '');
  const wanted = meta.trailingNewlines;
  if (typeof wanted === 'number' && Number.isInteger(wanted) && wanted >= 0 && wanted < 1000) {
    if (format === 'html') html = html.replace(/\n+$/, '') + '\n'.repeat(wanted);
    else text = text.replace(/\n+$/, '') + '\n'.repeat(wanted);
  }

  const references = meta.references ?? referencesOf(parsed);
  const inReplyTo = meta.inReplyTo ?? (parsed.inReplyTo || undefined);
  const candidate = {
    identityId: meta.identityId,
    to: recipientsOf(parsed.to),
    cc: recipientsOf(parsed.cc),
    bcc: recipientsOf(parsed.bcc),
    subject: parsed.subject ?? '',
    format,
    html,
    text,
    attachments: body.attachments.map((a) => a.id),
    inReplyTo,
    references: references?.length ? references : undefined,
    priority: meta.priority ?? priorityOf(parsed),
    readReceipt: meta.readReceipt ?? !!headerText(parsed, 'disposition-notification-to'),
    source: meta.source,
  };
  const result = composeStateSchema.safeParse(candidate);
  if (result.success) return { state: result.data, attachments: body.attachments };
  // Addresses a browser could not send to (malformed in the original) are dropped rather than failing the whole draft.
  const valid = (list: Recipient[]) => list.filter((r) => composeStateSchema.shape.to.safeParse([r]).success);
  const retry = composeStateSchema.safeParse({
    ...candidate,
    to: valid(candidate.to),
    cc: valid(candidate.cc),
    bcc: valid(candidate.bcc),
    subject: candidate.subject.slice(0, 998),
    references: candidate.references?.slice(-100),
    identityId: candidate.identityId?.slice(0, 100),
    source: undefined,
  });
  if (!retry.success) throw new HttpError(422, 'bad_request', 'The message could not be opened for editing.');
  return { state: retry.data, attachments: body.attachments };
}

/** The References of a parsed message as a list of message ids. */
export function referencesOf(parsed: ParsedMail): string[] {
  const refs = parsed.references;
  const list = Array.isArray(refs) ? refs : typeof refs === 'string' ? refs.split(/\s+/) : [];
  return list.map((r) => r.trim()).filter(Boolean);
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
