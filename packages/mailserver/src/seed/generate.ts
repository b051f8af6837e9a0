import { formatRfc5322Date } from '../smtp/headers.js';
import { demoPng, makeInvite, makePdf } from './assets.js';
import {
  DEFAULT_CONTACTS,
  EVENT_TITLES,
  INTL,
  INVOICE_VENDORS,
  LOCATIONS,
  LONG_THREAD_TOPICS,
  NEWSLETTERS,
  NEWSLETTER_HEADLINES,
  NOTIFICATIONS,
  PLAIN_SUBJECTS,
  REPLY_LINES,
  SENTENCES,
  THREAD_TOPICS,
  URLS,
  type Contact,
  type IntlProfile,
} from './content.js';
import {
  binaryPart,
  formatAddress,
  formatAddressList,
  headerText,
  multipart,
  renderNode,
  textPart,
  type Charset,
  type Header,
  type MimeNode,
  type WordEncoding,
} from './mime.js';
import { Prng, deriveSeed } from './prng.js';

export interface SeedPerson {
  name: string;
  email: string;
}

export interface GeneratedMessage {
  mailbox: string;
  raw: Buffer;
  flags: string[];
  internalDate: Date;
}

export interface GenerateMailboxOptions {
  owner: SeedPerson;
  /** Correspondents; a built-in cast of characters when omitted. */
  others?: SeedPerson[];
  /** Number of messages to generate (INBOX and Sent together). */
  count: number;
  /**
   * When set, generate until INBOX holds exactly this many messages; Sent messages (at most
   * about 10% of this number) come on top and `count` is ignored.
   */
  inboxCount?: number;
  /** PRNG seed: the same seed, owner, others, count and `now` give the same bytes. Default 1. */
  seed?: number;
  /** The reference time; messages span the ~18 months before it. Default: the current time. */
  now?: Date;
}

export const WELCOME_SUBJECT = 'Welcome to Mailroom';
export const WEEKLY_SUBJECT = "Mailroom Weekly: what's new";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const SPAN_MS = 540 * DAY_MS;
/** At most this share of the generated messages lands in Sent. */
const MAX_SENT_SHARE = 0.1;

type SingleKind = 'plain' | 'notification' | 'newsletter' | 'pdf' | 'png' | 'cid' | 'calendar' | 'intl' | 'sent';

interface ThreadInfo {
  topic: string;
  index: number;
  ids: string[];
  authors: Contact[];
  participants: Contact[];
  texts: string[];
}

interface Planned {
  kind: SingleKind | 'thread' | 'welcome' | 'weekly';
  time: number;
  mailbox: 'INBOX' | 'Sent';
  flags: string[];
  intl?: IntlProfile;
  thread?: ThreadInfo;
}

const toLatin1 = (text: string): string =>
  text.replace(/[’‘]/g, "'").replace(/[“”]/g, '"').replace(/[–—]/g, '-').replace(/[^\x00-\xff]/g, '?');

function domainOf(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1);
}

function firstName(name: string): string {
  return name.split(/\s+/)[0] ?? name;
}

/** Builds the plan (who, when, what kind) for every message, oldest first. */
function plan(opts: GenerateMailboxOptions, owner: Contact, contacts: Contact[], rng: Prng, now: number): Planned[] {
  // with inboxCount, `remaining` counts INBOX messages only and Sent messages come on top
  const inboxMode = opts.inboxCount !== undefined;
  const count = Math.max(0, Math.floor(opts.inboxCount ?? opts.count));
  const reserved = Math.min(2, count);
  let remaining = count - reserved;
  const maxSent = Math.floor(count * MAX_SENT_SHARE);
  let sent = 0;
  const start = now - SPAN_MS;
  const end = now - 3 * HOUR_MS;
  const out: Planned[] = [];

  const inboxFlags = (): string[] => {
    const flags: string[] = [];
    if (!rng.chance(0.3)) flags.push('\\Seen');
    if (rng.chance(0.06)) flags.push('\\Flagged');
    return flags;
  };

  const addSingle = (kind: SingleKind, intl?: IntlProfile): void => {
    if (remaining <= 0) return;
    if (kind === 'sent' && sent >= maxSent) kind = 'plain';
    const time = Math.floor(start + rng.next() * (end - start));
    if (kind === 'sent') {
      sent++;
      out.push({ kind, time, mailbox: 'Sent', flags: ['\\Seen'] });
      if (!inboxMode) remaining--;
    } else {
      out.push({ kind, time, mailbox: 'INBOX', flags: inboxFlags(), intl });
      remaining--;
    }
  };

  const addThread = (size: number, long: boolean): void => {
    if (!inboxMode) size = Math.min(size, remaining);
    if (size < 2 || remaining < 1) return addSingle('plain');
    const first = out.length;
    const topic = long ? rng.pick(LONG_THREAD_TOPICS) : rng.pick(THREAD_TOPICS);
    const participants = rng.sample(contacts, long ? rng.int(2, 4) : rng.int(1, 2));
    const gaps: number[] = [];
    for (let i = 1; i < size; i++) gaps.push(Math.floor((long ? rng.int(1, 40) : rng.int(1, 30)) * HOUR_MS * rng.next() + 10 * 60_000));
    const span = gaps.reduce((a, b) => a + b, 0);
    let time = Math.floor(start + rng.next() * Math.max(1, end - start - span));
    const info = { topic, ids: [] as string[], authors: [] as Contact[], participants, texts: [] as string[] };
    let previous: Contact | null = null;
    for (let i = 0; i < size; i++) {
      let author: Contact;
      const ownerTurn = i > 0 && previous !== owner && rng.chance(0.35) && sent < maxSent;
      if (!ownerTurn && remaining <= 0) break;
      if (ownerTurn) {
        author = owner;
        sent++;
      } else {
        const candidates: Contact[] = participants.filter((p) => p !== previous);
        author = rng.pick(candidates.length ? candidates : participants);
      }
      const domain = domainOf(author.email);
      info.ids.push(`${rng.hex(8)}.${rng.hex(12)}@${domain}`);
      info.authors.push(author);
      let text = rng.pick(REPLY_LINES);
      if (i === 0 || rng.chance(0.6)) text += ` ${rng.pick(SENTENCES)}`;
      if (rng.chance(0.3)) text += ` ${rng.pick(SENTENCES)}`;
      info.texts.push(text);
      previous = author;
      const mine = author === owner;
      out.push({
        kind: 'thread',
        time,
        mailbox: mine ? 'Sent' : 'INBOX',
        flags: mine ? ['\\Seen'] : inboxFlags(),
        thread: { ...info, index: i },
      });
      time += gaps[i] ?? 0;
      if (!mine || !inboxMode) remaining--;
    }
    // a message the owner answered carries \Answered
    for (let i = first; i < out.length - 1; i++) {
      const p = out[i]!;
      const next = out[i + 1]!;
      if (p.mailbox === 'INBOX' && next.mailbox === 'Sent' && !p.flags.includes('\\Answered')) p.flags.push('\\Answered');
      if (p.mailbox === 'INBOX' && next.mailbox === 'Sent' && !p.flags.includes('\\Seen')) p.flags.push('\\Seen');
    }
  };

  const byLang = (lang: string): IntlProfile => INTL.find((p) => p.lang === lang) ?? INTL[0]!;

  // every kind at least once (as far as the count allows), then a weighted random mix
  const required: Array<() => void> = [
    () => addThread(3, false),
    () => addSingle('newsletter'),
    () => addSingle('pdf'),
    () => addSingle('png'),
    () => addSingle('cid'),
    () => addSingle('calendar'),
    () => addSingle('intl', byLang('ru')),
    () => addSingle('intl', byLang('de')),
    () => addSingle('intl', byLang('ja')),
    () => addSingle('intl', byLang('emoji')),
    () => addSingle('intl', byLang('zh')),
    () => addSingle('intl', byLang('ar')),
    () => addSingle('intl', byLang('el')),
    () => addSingle('intl', byLang('fr')),
    () => addSingle('plain'),
    () => addSingle('notification'),
    () => addSingle('sent'),
  ];
  if (count >= 40) required.push(() => addThread(rng.int(10, 14), true));
  if (count >= 60) required.push(() => addThread(2, false), () => addThread(4, false));
  for (const add of required) add();

  const weights = {
    plain: 24,
    notification: 12,
    newsletter: 12,
    intl: 12,
    thread: 16,
    pdf: 4,
    png: 4,
    cid: 3,
    calendar: 3,
    sent: 3,
    long: 0.6,
  } as const;
  while (remaining > 0) {
    const kind = rng.weighted(weights);
    if (kind === 'thread') addThread(rng.int(2, 4), false);
    else if (kind === 'long') addThread(rng.int(10, 16), true);
    else if (kind === 'intl') addSingle('intl', rng.pick(INTL));
    else addSingle(kind);
  }

  out.sort((a, b) => a.time - b.time);
  if (reserved === 2) out.push({ kind: 'weekly', time: now - 2 * HOUR_MS, mailbox: 'INBOX', flags: [] });
  if (reserved >= 1) out.push({ kind: 'welcome', time: now - HOUR_MS, mailbox: 'INBOX', flags: [] });
  return out;
}

interface Rendered {
  headers: Header[];
  node: MimeNode;
}

function paragraph(rng: Prng, sentences = rng.int(2, 4)): string {
  return rng.sample(SENTENCES, sentences).join(' ');
}

function wrap(text: string, width = 72): string {
  const words = text.split(' ');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else {
      line = line ? `${line} ${w}` : w;
    }
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

interface Ctx {
  rng: Prng;
  owner: Contact;
  contacts: Contact[];
  p: Planned;
  date: Date;
}

function baseHeaders(
  ctx: Ctx,
  from: Contact,
  to: Contact[],
  subject: string,
  enc: { encoding?: WordEncoding; charset?: Charset; messageId?: string } = {},
): Header[] {
  const encoding = enc.encoding ?? 'B';
  const charset = enc.charset ?? 'UTF-8';
  const messageId = enc.messageId ?? `${ctx.rng.hex(16)}@${domainOf(from.email)}`;
  return [
    ['Date', formatRfc5322Date(ctx.date, from.tz)],
    ['From', formatAddress(from, encoding, charset)],
    ['To', formatAddressList(to, encoding, charset)],
    ['Subject', headerText(subject, ctx.rng.chance(0.5) ? 'Q' : encoding, charset)],
    ['Message-ID', `<${messageId}>`],
    ['MIME-Version', '1.0'],
  ];
}

function signature(name: string): string {
  return `\n\n-- \n${name}`;
}

function renderPlain(ctx: Ctx): Rendered {
  const { rng, owner } = ctx;
  const from = rng.pick(ctx.contacts);
  const subject = rng.pick(PLAIN_SUBJECTS);
  let body = `Hi ${firstName(owner.name)},\n\n${wrap(paragraph(rng))}\n`;
  if (rng.chance(0.7)) body += `\n${rng.pick(URLS)}\n`;
  if (rng.chance(0.5)) body += `\n${wrap(paragraph(rng, 2))}\n`;
  body += `\nCheers,\n${firstName(from.name)}`;
  if (rng.chance(0.3)) body += signature(from.name);
  const headers = baseHeaders(ctx, from, [owner], subject);
  if (rng.chance(0.2)) headers.push(['X-Mailer', rng.pick(['Thunderbird 128.3.1', 'Apple Mail (2.3776)', 'Roundcube Webmail/1.6.9'])]);
  return { headers, node: textPart(body) };
}

function renderSent(ctx: Ctx): Rendered {
  const { rng, owner } = ctx;
  const to = rng.pick(ctx.contacts);
  const subject = rng.pick(PLAIN_SUBJECTS);
  const body = `Hi ${firstName(to.name)},\n\n${wrap(paragraph(rng))}\n\n${rng.pick(URLS)}\n\nBest,\n${firstName(owner.name)}`;
  return { headers: baseHeaders(ctx, owner, [to], subject), node: textPart(body) };
}

function renderNotification(ctx: Ctx): Rendered {
  const { rng, owner } = ctx;
  const n = rng.pick(NOTIFICATIONS);
  const num = rng.int(100, 99999);
  const headers = baseHeaders(ctx, n.from, [owner], n.subject(num));
  headers.push(['Auto-Submitted', 'auto-generated']);
  return { headers, node: textPart(n.body(num)) };
}

function newsletterHtml(
  brand: { brand: string; host: string; color: string },
  headline: string,
  articles: Array<{ title: string; text: string; url: string; img: string }>,
  unsubscribe: string,
  pixel: string,
  hero: string,
): string {
  const blocks = articles
    .map(
      (a) => `<tr><td style="padding:16px 24px">
<img src="${a.img}" width="552" height="200" alt="${escapeHtml(a.title)}" style="display:block;width:100%;height:auto;border-radius:6px">
<h2 style="font-size:20px;margin:16px 0 8px">${escapeHtml(a.title)}</h2>
<p style="font-size:15px;line-height:1.5;color:#333">${escapeHtml(a.text)}</p>
<p><a href="${a.url}" style="color:${brand.color}">Read more &rarr;</a></p>
</td></tr>`,
    )
    .join('\n');
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(brand.brand)}</title>
<style>
body { margin:0; padding:0; background:#f2f2f2; font-family:Helvetica,Arial,sans-serif; }
.hero { background: ${brand.color} url('${hero}') center / cover no-repeat; }
</style></head>
<body>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f2f2f2"><tr><td align="center">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="background:#ffffff;max-width:600px">
<tr><td style="background:${brand.color};padding:16px 24px"><img src="https://${brand.host}/brand/logo.png" width="140" height="36" alt="${escapeHtml(brand.brand)}"></td></tr>
<tr><td class="hero" background="${hero}" style="background-image:url(${hero});height:220px;color:#ffffff;padding:24px">
<h1 style="font-size:30px;margin:120px 0 0">${escapeHtml(headline)}</h1></td></tr>
${blocks}
<tr><td style="padding:24px;font-size:12px;color:#777">You receive this email because you subscribed to ${escapeHtml(brand.brand)}.
<a href="${unsubscribe}">Unsubscribe</a> &middot; <a href="https://${brand.host}/preferences">Preferences</a>
<img src="${pixel}" width="1" height="1" alt="" style="display:block;border:0"></td></tr>
</table></td></tr></table>
</body></html>`;
}

function renderNewsletter(ctx: Ctx, weekly = false): Rendered {
  const { rng, owner } = ctx;
  const brand = weekly
    ? { brand: 'Mailroom Weekly', email: `weekly@${domainOf(owner.email)}`, host: 'news.mailroom.example', color: '#3949ab' }
    : rng.pick(NEWSLETTERS);
  const headline = weekly ? WEEKLY_SUBJECT : rng.pick(NEWSLETTER_HEADLINES);
  const token = rng.hex(12);
  const articles = (weekly
    ? [
        { title: 'Threaded conversations', text: 'Replies are now grouped into conversations, with the newest message on top.' },
        { title: 'Faster search', text: 'Full-text search now answers in milliseconds even in mailboxes with 100,000 messages.' },
        { title: 'Remote images stay blocked', text: 'Images from other servers load only when you ask for them, so senders cannot track you.' },
      ]
    : rng.sample(NEWSLETTER_HEADLINES, rng.int(2, 3)).map((title) => ({ title, text: paragraph(rng, 2) }))
  ).map((a, i) => ({
    ...a,
    url: `https://${brand.host}/r/${token}/${i}`,
    img: `https://${brand.host}/images/${token.slice(0, 6)}-${i}.jpg`,
  }));
  const unsubscribe = `https://${brand.host}/unsubscribe?u=${token}`;
  const pixel = `https://${brand.host}/open/${token}.gif`;
  const hero = `https://${brand.host}/images/hero-${rng.int(1, 9)}.jpg`;
  const html = newsletterHtml(brand, headline, articles, unsubscribe, pixel, hero);
  const text =
    `${brand.brand}\n${'='.repeat(brand.brand.length)}\n\n${headline}\n\n` +
    articles.map((a) => `${a.title}\n${wrap(a.text)}\n${a.url}\n`).join('\n') +
    `\nUnsubscribe: ${unsubscribe}\n`;
  const from: Contact = { name: brand.brand, email: brand.email, tz: 0 };
  const headers = baseHeaders(ctx, from, [owner], weekly ? WEEKLY_SUBJECT : `${headline} | ${brand.brand}`);
  headers.push(['List-Unsubscribe', `<${unsubscribe}>`], ['List-Unsubscribe-Post', 'List-Unsubscribe=One-Click']);
  headers.push(['Precedence', 'bulk']);
  return { headers, node: multipart('alternative', [textPart(text), textPart(html, 'html')]) };
}

function renderPdf(ctx: Ctx): Rendered {
  const { rng, owner } = ctx;
  const vendor = rng.pick(INVOICE_VENDORS);
  const number = `INV-${ctx.date.getUTCFullYear()}-${rng.int(1000, 9999)}`;
  const amount = (rng.int(900, 48000) / 100).toFixed(2);
  const pdf = makePdf(`Invoice ${number}`, [
    vendor.name,
    `Billed to: ${toLatin1(owner.name)} <${owner.email}>`,
    `Date: ${ctx.date.toISOString().slice(0, 10)}`,
    `Item: ${vendor.item}`,
    `Total due: EUR ${amount}`,
    'Payment within 14 days. Thank you for your business.',
  ]);
  const from: Contact = { name: vendor.name, email: vendor.email, tz: 0 };
  const text = `Dear ${owner.name},\n\nplease find attached invoice ${number} over EUR ${amount}.\n\nYou can also view it online: https://${domainOf(vendor.email)}/invoices/${number}\n\nKind regards,\n${vendor.name}`;
  return {
    headers: baseHeaders(ctx, from, [owner], `Invoice ${number}`),
    node: multipart('mixed', [textPart(text), binaryPart(pdf, 'application/pdf', { filename: `${number}.pdf`, disposition: 'attachment' })]),
  };
}

function renderPng(ctx: Ctx): Rendered {
  const { rng, owner } = ctx;
  const from = rng.pick(ctx.contacts);
  const place = rng.pick(['the lake', 'the mountains', 'grandma’s garden', 'the beach', 'the city at night']);
  const text = `Hi ${firstName(owner.name)},\n\nhere is a picture from ${place}. More in the album: ${rng.pick(URLS)}\n\n${firstName(from.name)}`;
  const n = rng.int(1000, 9999);
  return {
    headers: baseHeaders(ctx, from, [owner], `Photo from ${place}`),
    node: multipart('mixed', [
      textPart(text),
      binaryPart(demoPng(rng.int(0, 5), 'photo'), 'image/png', { filename: `IMG_${n}.png`, disposition: 'attachment' }),
    ]),
  };
}

function renderCid(ctx: Ctx): Rendered {
  const { rng, owner } = ctx;
  const from = rng.pick(ctx.contacts);
  const cid = `logo-${rng.hex(10)}@${domainOf(from.email)}`;
  const para = paragraph(rng, 2);
  const html = `<!DOCTYPE html><html><body style="font-family:Georgia,serif">
<p><img src="cid:${cid}" alt="Team logo" width="48" height="48"></p>
<p>Hi ${escapeHtml(firstName(owner.name))},</p>
<p>${escapeHtml(para)}</p>
<p style="color:#555">${escapeHtml(from.name)}<br>Sent with our new email signature</p>
</body></html>`;
  const text = `Hi ${firstName(owner.name)},\n\n${wrap(para)}\n\n${from.name}`;
  return {
    headers: baseHeaders(ctx, from, [owner], 'Our new team logo'),
    node: multipart('related', [
      multipart('alternative', [textPart(text), textPart(html, 'html')]),
      binaryPart(demoPng(rng.int(0, 5), 'logo'), 'image/png', { filename: 'logo.png', disposition: 'inline', contentId: cid }),
    ], '; type="multipart/alternative"'),
  };
}

function renderCalendar(ctx: Ctx): Rendered {
  const { rng, owner } = ctx;
  const from = rng.pick(ctx.contacts);
  const title = rng.pick(EVENT_TITLES);
  const location = rng.pick(LOCATIONS);
  const startAt = new Date(Math.floor((ctx.date.getTime() + rng.int(1, 14) * DAY_MS) / HOUR_MS) * HOUR_MS);
  const endAt = new Date(startAt.getTime() + rng.int(1, 4) * 30 * 60_000);
  const description = `${title} with ${from.name}. ${rng.pick(SENTENCES)}`;
  const ics = makeInvite({
    uid: `${rng.hex(20)}@${domainOf(from.email)}`,
    summary: title,
    description,
    location,
    start: startAt,
    end: endAt,
    stamp: ctx.date,
    organizer: from,
    attendees: [owner, from],
  });
  const when = `${startAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const text = `${from.name} has invited you to: ${title}\n\nWhen: ${when}\nWhere: ${location}\n\n${description}\n\nAccept or decline in your calendar.`;
  const html = `<html><body><h2>${escapeHtml(title)}</h2><p><b>When:</b> ${escapeHtml(when)}<br><b>Where:</b> ${escapeHtml(location)}</p><p>${escapeHtml(description)}</p></body></html>`;
  return {
    headers: baseHeaders(ctx, from, [owner], `Invitation: ${title} @ ${when}`),
    node: multipart('mixed', [
      multipart('alternative', [textPart(text), textPart(html, 'html'), textPart(ics, 'calendar', { params: '; method=REQUEST' })]),
      binaryPart(Buffer.from(ics, 'utf8'), 'application/ics', { filename: 'invite.ics', disposition: 'attachment' }),
    ]),
  };
}

function renderIntl(ctx: Ctx): Rendered {
  const { rng, owner } = ctx;
  const profile = ctx.p.intl ?? rng.pick(INTL);
  const latin1 = profile.charset === 'ISO-8859-1';
  const fix = latin1 ? toLatin1 : (s: string): string => s;
  const from = { ...profile.person, name: fix(profile.person.name) };
  const subject = fix(rng.pick(profile.subjects));
  let body = `${firstName(owner.name)},\n\n${fix(rng.pick(profile.bodies))}\n`;
  if (rng.chance(0.4)) body += `\n${rng.pick(URLS)}\n`;
  body += `\n${fix(profile.signoff)}\n${from.name}`;
  const headers = baseHeaders(ctx, from, [owner], subject, { encoding: profile.encoding, charset: profile.charset });
  // the subject keeps the profile's own encoding (e.g. Q for ISO-8859-1 mailers)
  headers[3] = ['Subject', headerText(subject, profile.encoding, profile.charset)];
  return { headers, node: textPart(body, 'plain', { charset: profile.charset, transfer: profile.bodyTransfer }) };
}

function renderThread(ctx: Ctx): Rendered {
  const t = ctx.p.thread!;
  const author = t.authors[t.index]!;
  const everyone = [ctx.owner, ...t.participants];
  const to = everyone.filter((p) => p !== author);
  const subject = t.index === 0 ? t.topic : `Re: ${t.topic}`;
  const headers = baseHeaders(ctx, author, to, subject, { messageId: t.ids[t.index] });
  let body = `${wrap(t.texts[t.index]!)}\n\n${firstName(author.name)}`;
  if (t.index > 0) {
    const prevAuthor = t.authors[t.index - 1]!;
    const quoted = wrap(t.texts[t.index - 1]!, 70)
      .split('\n')
      .map((l) => `> ${l}`)
      .join('\n');
    body += `\n\n${prevAuthor.name} wrote:\n${quoted}\n`;
    headers.push(['In-Reply-To', `<${t.ids[t.index - 1]}>`]);
    headers.push(['References', t.ids.slice(0, t.index).map((id) => `<${id}>`).join('\r\n ')]);
  }
  if (ctx.rng.chance(0.15) && t.index > 0) {
    const html = `<div dir="ltr">${escapeHtml(t.texts[t.index]!)}<br><br>${escapeHtml(firstName(author.name))}</div>`;
    return { headers, node: multipart('alternative', [textPart(body), textPart(html, 'html')]) };
  }
  return { headers, node: textPart(body) };
}

function renderWelcome(ctx: Ctx): Rendered {
  const { owner } = ctx;
  const domain = domainOf(owner.email);
  const from: Contact = { name: 'Mailroom Team', email: `team@${domain}`, tz: 0 };
  const body = `Hi ${firstName(owner.name)},

welcome to Mailroom! This mailbox is filled with demo mail so that you can try
everything: conversations, attachments, calendar invitations, newsletters with
remote images (blocked until you allow them) and mail in many languages.

A few things to try:

  * search for "invoice" or "Привет"
  * open a newsletter and load its remote images
  * reply to a conversation and watch it appear in Sent

Documentation: https://mailroom.example/docs
Report a problem: https://mailroom.example/issues

Have fun,
the Mailroom Team`;
  return { headers: baseHeaders(ctx, from, [owner], WELCOME_SUBJECT), node: textPart(body) };
}

const RENDERERS: Record<Planned['kind'], (ctx: Ctx) => Rendered> = {
  plain: renderPlain,
  sent: renderSent,
  notification: renderNotification,
  newsletter: (ctx) => renderNewsletter(ctx),
  weekly: (ctx) => renderNewsletter(ctx, true),
  pdf: renderPdf,
  png: renderPng,
  cid: renderCid,
  calendar: renderCalendar,
  intl: renderIntl,
  thread: renderThread,
  welcome: renderWelcome,
};

/**
 * Generates `count` realistic messages for one mailbox owner, oldest first, deterministic for a
 * given seed. The newest INBOX message is "Welcome to Mailroom" from the Mailroom Team, the
 * second newest the "Mailroom Weekly: what's new" HTML newsletter (when count ≥ 2).
 */
export function* generateMailbox(opts: GenerateMailboxOptions): Generator<GeneratedMessage> {
  const seed = (opts.seed ?? 1) >>> 0;
  const now = (opts.now ?? new Date()).getTime();
  const owner: Contact = { name: opts.owner.name, email: opts.owner.email, tz: 0 };
  const contacts: Contact[] = (opts.others?.length ? opts.others : DEFAULT_CONTACTS)
    .filter((c) => c.email.toLowerCase() !== owner.email.toLowerCase())
    .map((c) => ({ name: c.name, email: c.email, tz: 'tz' in c && typeof c.tz === 'number' ? c.tz : 0 }));
  if (contacts.length === 0) contacts.push(...DEFAULT_CONTACTS);
  const planned = plan(opts, owner, contacts, new Prng(seed), now);
  for (let i = 0; i < planned.length; i++) {
    const p = planned[i]!;
    const rng = new Prng(deriveSeed(seed, i));
    const date = new Date(p.time);
    const ctx: Ctx = { rng, owner, contacts, p, date };
    const { headers, node } = RENDERERS[p.kind](ctx);
    let boundaryN = 0;
    const boundaryBase = rng.hex(16);
    const raw = renderNode(node, () => `----=_Part_${++boundaryN}_${boundaryBase}`, headers);
    yield { mailbox: p.mailbox, raw: Buffer.from(raw, 'latin1'), flags: p.flags, internalDate: date };
  }
}
