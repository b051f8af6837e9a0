// Prefill for compose: reply, reply all, forward (inline and as attachment), edit as new and open a
// draft, built from the original message's source. Pure functions of the raw message (the route
// fetches it over IMAP), so they are tested without a server as well.
import type { ComposeFormat, ComposeState, ComposeStateResponse, Identity, PrefillMode, Recipient, Upload } from '@mailroom/shared';
import { composeState as composeStateSchema, mailAddress } from '@mailroom/shared';
import type { ParsedMail } from 'mailparser';
import { UploadStore } from '../data/uploads.js';
import { HttpError } from '../errors.js';
import { bodyFromParsed, escapeHtml, parseMime, recipientsOf, referencesOf, stateFromMime, textFromHtml } from './mime.js';

export interface PrefillContext {
  /** The signed-in user (their uploads, and an address that is always "yourself"). */
  owner: string;
  uploads: UploadStore;
  /** The user's identities, the default first (or flagged isDefault). */
  identities: Identity[];
  /** The user's preferred compose format. */
  format: ComposeFormat;
  /** Reply/forward from this identity when it exists. */
  identityId?: string;
}

/** References kept in a reply: at most this many, the first (thread root) always kept. */
export const MAX_REFERENCES = 20;

/** "Re:", "RE:", "AW:", "Fwd:", "WG:", "SV:", "Antw:", "Re[2]:" … at the start, any number of them. */
const SUBJECT_PREFIXES = /^(\s*(re|aw|antw|sv|vs|ref|rif|r|wg|fwd?|fw|tr|rv|enc|doorst|vl|odp|yn|ynt|atb)\s*(\[\d+\]|\(\d+\))?\s*[:：]\s*)+/i;

/** The subject without reply/forward prefixes (also a mailing-list tag in front is kept). */
export function baseSubject(subject: string): string {
  let s = subject.trim();
  const tag = /^\[[^\]]{1,60}\]\s*/.exec(s);
  if (tag && SUBJECT_PREFIXES.test(s.slice(tag[0].length))) {
    return (tag[0] + s.slice(tag[0].length).replace(SUBJECT_PREFIXES, '')).trim();
  }
  s = s.replace(SUBJECT_PREFIXES, '');
  return s.trim();
}

export const replySubject = (subject: string) => `Re: ${baseSubject(subject)}`.slice(0, 998);
export const forwardSubject = (subject: string) => `Fwd: ${baseSubject(subject)}`.slice(0, 998);

/** References for a reply: the original's References (or In-Reply-To) + its Message-ID, bounded. */
export function replyReferences(original: string[], messageId: string | undefined): string[] {
  const list = [...original];
  if (messageId && !list.includes(messageId)) list.push(messageId);
  if (list.length <= MAX_REFERENCES) return list;
  return [list[0]!, ...list.slice(list.length - (MAX_REFERENCES - 1))];
}

const lower = (a: string) => a.trim().toLowerCase();

function dedupe(list: Recipient[], exclude: Set<string>): Recipient[] {
  const seen = new Set(exclude);
  const out: Recipient[] = [];
  for (const r of list) {
    const key = lower(r.address);
    if (seen.has(key) || !mailAddress.safeParse(r.address).success) continue;
    seen.add(key);
    out.push(r);
  }
  return out;
}

const formatAddress = (r: Recipient) => (r.name ? `${r.name} <${r.address}>` : r.address);
const formatList = (list: Recipient[]) => list.map(formatAddress).join(', ');

const DATE_FORMAT = new Intl.DateTimeFormat('en-GB', {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
  timeZoneName: 'short',
});
const formatDate = (d: Date | undefined) => (d && !Number.isNaN(d.getTime()) ? DATE_FORMAT.format(d) : 'an unknown date');

/** The inside of <body> when the HTML is a whole document (head, styles and scripts dropped). */
export function bodyHtml(html: string): string {
  const m = /<body\b[^>]*>([\s\S]*?)(<\/body>|$)/i.exec(html);
  const inner = m ? m[1]! : html;
  return inner
    .replace(/<head\b[\s\S]*?<\/head>/gi, '')
    .replace(/<\/?(html|body)\b[^>]*>/gi, '')
    .replace(/<!doctype[^>]*>/gi, '')
    .trim();
}

/** Quotes plain text for a reply: "> " in front of each line (">" only in front of a quoted line). */
export function quoteText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/\n+$/, '')
    .split('\n')
    .map((line) => (line.startsWith('>') ? `>${line}` : line ? `> ${line}` : '>'))
    .join('\n');
}

function chooseIdentity(ctx: PrefillContext, addressed: Recipient[]): Identity | undefined {
  if (ctx.identityId) {
    const wanted = ctx.identities.find((i) => i.id === ctx.identityId);
    if (wanted) return wanted;
  }
  // The first of your addresses in To, then Cc.
  for (const r of addressed) {
    const match = ctx.identities.find((i) => lower(i.email) === lower(r.address));
    if (match) return match;
  }
  return ctx.identities.find((i) => i.isDefault) ?? ctx.identities[0];
}

interface Original {
  parsed: ParsedMail;
  from: Recipient[];
  replyTo: Recipient[];
  to: Recipient[];
  cc: Recipient[];
  subject: string;
  messageId: string | undefined;
}

function describe(parsed: ParsedMail): Original {
  return {
    parsed,
    from: recipientsOf(parsed.from),
    replyTo: recipientsOf(parsed.replyTo),
    to: recipientsOf(parsed.to),
    cc: recipientsOf(parsed.cc),
    subject: parsed.subject ?? '',
    messageId: parsed.messageId || undefined,
  };
}

/** The original's body for quoting or forwarding: HTML (inline images as uploads) and text. */
async function originalBody(o: Original, ctx: PrefillContext, withAttachments: boolean) {
  // In plain text the inline images cannot stay inline: a forward carries them as attachments.
  const body = await bodyFromParsed(o.parsed, ctx.owner, ctx.uploads, withAttachments, ctx.format === 'html');
  const html = body.html ? bodyHtml(body.html) : '';
  const text = body.text || (html ? textFromHtml(html) : '');
  return { html, text, attachments: body.attachments };
}

function finish(candidate: Partial<ComposeState> & Record<string, unknown>, attachments: Upload[]): ComposeStateResponse {
  const parsed = composeStateSchema.safeParse(candidate);
  if (!parsed.success) {
    throw new HttpError(422, 'bad_request', `The message could not be prepared: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  }
  return { state: parsed.data, attachments };
}

/** A reply, reply all, forward, forward as attachment or edit-as-new state from an original message. */
export async function prefillFromMime(
  mode: Exclude<PrefillMode, 'draft'>,
  raw: Buffer,
  source: { mailbox: string; uid: number },
  ctx: PrefillContext,
): Promise<ComposeStateResponse> {
  if (mode === 'editAsNew') {
    // Same recipients, subject, body and attachments; no threading, from the identity it was sent from.
    const { state, attachments } = await stateFromMime(raw, ctx.owner, ctx.uploads);
    const from = recipientsOf((await parseMime(raw)).from);
    return finish(
      {
        ...state,
        identityId: chooseIdentity(ctx, from)?.id,
        inReplyTo: undefined,
        references: undefined,
        source: undefined,
        draftUid: undefined,
      },
      attachments,
    );
  }

  const parsed = await parseMime(raw);
  const o = describe(parsed);
  const mine = new Set([lower(ctx.owner), ...ctx.identities.map((i) => lower(i.email))]);
  const identity = chooseIdentity(ctx, [...o.to, ...o.cc]);
  const base = { identityId: identity?.id, format: ctx.format };

  if (mode === 'forwardAttachment') {
    const name = `${(baseSubject(o.subject) || 'message').replace(/[\\/:*?"<>|\u0000-\u001f]+/g, ' ').trim().slice(0, 120) || 'message'}.eml`;
    const meta = await ctx.uploads.save(ctx.owner, { filename: name, contentType: 'message/rfc822' }, raw);
    return finish(
      { ...base, subject: forwardSubject(o.subject), attachments: [meta.id], source: { ...source, kind: 'forward' } },
      [UploadStore.toApi(meta)],
    );
  }

  if (mode === 'forward') {
    const body = await originalBody(o, ctx, true);
    const headerRows: Array<[string, string]> = [
      ['From', formatList(o.from)],
      ['Date', formatDate(parsed.date)],
      ['Subject', o.subject],
      ['To', formatList(o.to)],
    ];
    if (o.cc.length) headerRows.push(['Cc', formatList(o.cc)]);
    const marker = '-------- Forwarded Message --------';
    const state =
      ctx.format === 'html'
        ? {
            html:
              `<p></p><div data-mailroom-forward=""><p>${marker}</p><p>` +
              headerRows.map(([k, v]) => `${k}: ${escapeHtml(v)}`).join('<br>') +
              `</p>${body.html || textAsHtml(body.text)}</div>`,
          }
        : { text: `\n\n${marker}\n${headerRows.map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${body.text}` };
    return finish(
      { ...base, ...state, subject: forwardSubject(o.subject), attachments: body.attachments.map((a) => a.id), source: { ...source, kind: 'forward' } },
      body.attachments,
    );
  }

  // reply and reply all
  const fromMe = o.from.length > 0 && o.from.every((r) => mine.has(lower(r.address)));
  let to: Recipient[];
  let cc: Recipient[] = [];
  if (fromMe) {
    // Replying to a message you sent (from Sent): to its recipients again.
    to = dedupe(o.to, new Set());
    if (mode === 'replyAll') cc = dedupe(o.cc, new Set(to.map((r) => lower(r.address))));
    if (!to.length) to = dedupe(o.from, new Set());
  } else {
    const primary = o.replyTo.length ? o.replyTo : o.from;
    if (mode === 'replyAll') {
      to = dedupe([...primary, ...o.to], mine);
      cc = dedupe(o.cc, new Set([...mine, ...to.map((r) => lower(r.address))]));
    } else {
      to = dedupe(primary, new Set());
    }
  }

  const body = await originalBody(o, ctx, false);
  const sender = o.from[0] ? formatAddress(o.from[0]) : 'someone';
  const attribution = `On ${formatDate(parsed.date)}, ${sender} wrote:`;
  const state =
    ctx.format === 'html'
      ? {
          html: `<p></p><p>${escapeHtml(attribution)}</p><blockquote type="cite">${body.html || textAsHtml(body.text)}</blockquote>`,
        }
      : { text: `\n\n${attribution}\n${quoteText(body.text)}\n` };
  const previous = referencesOf(parsed);
  const references = replyReferences(previous.length ? previous : parsed.inReplyTo ? [parsed.inReplyTo] : [], o.messageId);
  return finish(
    {
      ...base,
      ...state,
      to,
      cc,
      subject: replySubject(o.subject),
      inReplyTo: o.messageId,
      references: references.length ? references : undefined,
      source: { ...source, kind: 'reply' },
    },
    [],
  );
}

const textAsHtml = (text: string) => (text ? `<p>${escapeHtml(text).replace(/\r?\n/g, '<br>')}</p>` : '');

/** Opening a draft: its state as saved, and the UID to replace on the next save. */
export async function prefillDraft(raw: Buffer, uid: number, ctx: Pick<PrefillContext, 'owner' | 'uploads'>): Promise<ComposeStateResponse> {
  const { state, attachments } = await stateFromMime(raw, ctx.owner, ctx.uploads);
  return { state: { ...state, draftUid: uid }, attachments };
}
