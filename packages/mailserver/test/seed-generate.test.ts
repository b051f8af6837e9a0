import { simpleParser, type ParsedMail } from 'mailparser';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateMailbox, WEEKLY_SUBJECT, WELCOME_SUBJECT, type GeneratedMessage } from '../src/seed/index.js';

const NOW = new Date('2026-11-01T12:00:00Z');
const OWNER = { name: 'Alice Liddell', email: 'alice@demo.test' };
const COUNT = 240;

function generate(seed: number, count = COUNT): GeneratedMessage[] {
  return [...generateMailbox({ owner: OWNER, count, seed, now: NOW })];
}

let messages: GeneratedMessage[];
let parsed: ParsedMail[];

beforeAll(async () => {
  messages = generate(42);
  parsed = [];
  for (const m of messages) parsed.push(await simpleParser(m.raw));
});

const rawHeaders = (m: GeneratedMessage): string => {
  const text = m.raw.toString('latin1');
  return text.slice(0, text.indexOf('\r\n\r\n'));
};

describe('generateMailbox', () => {
  it('is deterministic: the same seed gives the same bytes, another seed different ones', () => {
    const again = generate(42);
    expect(again).toHaveLength(messages.length);
    again.forEach((m, i) => {
      const first = messages[i]!;
      expect(m.raw.equals(first.raw)).toBe(true);
      expect(m.mailbox).toBe(first.mailbox);
      expect(m.flags).toEqual(first.flags);
      expect(m.internalDate.getTime()).toBe(first.internalDate.getTime());
    });
    const other = generate(43);
    expect(other.some((m, i) => !m.raw.equals(messages[i]!.raw))).toBe(true);
  });

  it('yields exactly `count` messages, at least 90% in INBOX, the rest in Sent', () => {
    expect(messages).toHaveLength(COUNT);
    const inbox = messages.filter((m) => m.mailbox === 'INBOX').length;
    const sent = messages.filter((m) => m.mailbox === 'Sent').length;
    expect(inbox + sent).toBe(COUNT);
    expect(inbox).toBeGreaterThanOrEqual(COUNT * 0.9);
    expect(sent).toBeGreaterThan(0);
    expect(generate(1, 7)).toHaveLength(7);
    expect(generate(1, 0)).toHaveLength(0);
  });

  it('with inboxCount, fills INBOX with exactly that many messages and puts the rest in Sent', () => {
    for (const n of [1, 2, 30, 240]) {
      const out = [...generateMailbox({ owner: OWNER, count: 0, inboxCount: n, seed: 9, now: NOW })];
      expect(out.filter((m) => m.mailbox === 'INBOX')).toHaveLength(n);
      expect(out.filter((m) => m.mailbox === 'Sent').length).toBeLessThanOrEqual(Math.floor(n * 0.1));
      expect(out[out.length - 1]!.raw.toString('latin1')).toContain(`Subject: ${WELCOME_SUBJECT}`);
    }
  });

  it('spreads messages over about 18 months, oldest first, with the welcome message newest', () => {
    const times = messages.map((m) => m.internalDate.getTime());
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const spanDays = (times[times.length - 1]! - times[0]!) / 86_400_000;
    expect(spanDays).toBeGreaterThan(365);
    expect(spanDays).toBeLessThan(560);
    expect(times[times.length - 1]!).toBeLessThanOrEqual(NOW.getTime());

    const last = parsed[parsed.length - 1]!;
    expect(last.subject).toBe(WELCOME_SUBJECT);
    expect(last.from?.value[0]).toEqual({ name: 'Mailroom Team', address: 'team@demo.test' });
    expect(last.html).toBe(false);
    expect(messages[messages.length - 1]!.mailbox).toBe('INBOX');

    const secondLast = parsed[parsed.length - 2]!;
    expect(secondLast.subject).toBe(WEEKLY_SUBJECT);
    expect(secondLast.html).toMatch(/<img[^>]+src="https:\/\//);
    expect(secondLast.text).toBeTruthy();
  });

  it('produces messages that parse with mailparser, each with From, To, Date and a unique Message-ID', () => {
    const ids = new Set<string>();
    for (const p of parsed) {
      expect(p.from?.value[0]?.address).toMatch(/@/);
      expect(p.to).toBeDefined();
      expect(p.date).toBeInstanceOf(Date);
      expect(p.messageId).toMatch(/^<.+@.+>$/);
      ids.add(p.messageId!);
      expect(p.subject?.length).toBeGreaterThan(0);
    }
    expect(ids.size).toBe(parsed.length);
    // every raw message is 7-bit clean with CRLF line ends and short lines
    for (const m of messages) {
      const text = m.raw.toString('latin1');
      expect(/[^\x09\x0a\x0d\x20-\x7e]/.test(text)).toBe(false);
      expect(/[^\r]\n/.test(text)).toBe(false);
      expect(text.split('\r\n').every((l) => l.length <= 998)).toBe(true);
    }
  });

  it('contains threads with proper In-Reply-To and References, including a long one', () => {
    const byId = new Map(parsed.map((p) => [p.messageId!, p]));
    const replies = parsed.filter((p) => p.inReplyTo);
    expect(replies.length).toBeGreaterThan(10);
    for (const r of replies) {
      const refs = Array.isArray(r.references) ? r.references : [r.references!];
      expect(refs[refs.length - 1]).toBe(r.inReplyTo);
      expect(byId.has(r.inReplyTo!)).toBe(true);
      expect(r.subject).toMatch(/^Re: /);
    }
    const threadSizes = new Map<string, number>();
    for (const p of parsed) {
      const root = p.references ? (Array.isArray(p.references) ? p.references[0]! : p.references) : p.messageId!;
      threadSizes.set(root, (threadSizes.get(root) ?? 0) + 1);
    }
    const sizes = [...threadSizes.values()];
    expect(sizes.filter((n) => n >= 2 && n <= 4).length).toBeGreaterThanOrEqual(3);
    expect(sizes.some((n) => n >= 10)).toBe(true);
    // the owner's own replies are in Sent
    const sentReplies = messages.filter((m, i) => m.mailbox === 'Sent' && parsed[i]!.inReplyTo);
    expect(sentReplies.length).toBeGreaterThan(0);
    for (const m of sentReplies) expect(rawHeaders(m)).toMatch(/^From: Alice Liddell <alice@demo\.test>/m);
  });

  it('contains HTML newsletters with remote images, a CSS background url and a text alternative', () => {
    const newsletters = parsed.filter((p) => typeof p.html === 'string' && /<img[^>]+src="https?:\/\//.test(p.html));
    expect(newsletters.length).toBeGreaterThan(3);
    expect(newsletters.some((p) => /url\((['"]?)https?:\/\//.test(p.html as string))).toBe(true);
    for (const n of newsletters) expect(n.text?.length).toBeGreaterThan(20);
  });

  it('contains a PDF, a PNG attachment, an inline cid image and a calendar invitation', () => {
    const attachments = parsed.flatMap((p) => p.attachments);
    const pdf = attachments.find((a) => a.contentType === 'application/pdf');
    expect(pdf?.filename).toMatch(/\.pdf$/);
    expect(pdf!.content.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf!.content.toString('latin1')).toMatch(/startxref\n\d+\n%%EOF\n$/);
    // the xref offset points at the xref table
    const pdfText = pdf!.content.toString('latin1');
    const xrefAt = Number(/startxref\n(\d+)/.exec(pdfText)![1]);
    expect(pdfText.slice(xrefAt, xrefAt + 4)).toBe('xref');

    const png = attachments.find((a) => a.contentType === 'image/png' && a.contentDisposition === 'attachment');
    expect(png?.content.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));

    const withCid = parsed.find((p) => p.attachments.some((a) => a.cid && a.related));
    expect(withCid).toBeDefined();
    const inline = withCid!.attachments.find((a) => a.cid)!;
    const rawCid = messages[parsed.indexOf(withCid!)]!.raw.toString('latin1');
    expect(rawCid).toMatch(/Content-Type: multipart\/related/);
    expect(rawCid).toContain(`src="cid:${inline.cid}"`);

    const invite = messages.find((m) => /Content-Type: text\/calendar; charset=utf-8; method=REQUEST/.test(m.raw.toString('latin1')));
    expect(invite).toBeDefined();
    const inviteText = invite!.raw.toString('latin1');
    expect(inviteText).toContain('METHOD:REQUEST');
    expect(inviteText).toMatch(/filename="invite\.ics"/);
  });

  it('has subjects and names in several scripts and encodings', () => {
    const subjects = parsed.map((p) => p.subject ?? '');
    const has = (re: RegExp) => subjects.some((s) => re.test(s));
    expect(has(/[\u0400-\u04ff]/)).toBe(true); // Cyrillic
    expect(has(/[\u0370-\u03ff]/)).toBe(true); // Greek
    expect(has(/[\u3040-\u30ff]/)).toBe(true); // Japanese kana
    expect(has(/[\u4e00-\u9fff]/)).toBe(true); // CJK
    expect(has(/[\u0600-\u06ff]/)).toBe(true); // Arabic
    expect(has(/\p{Extended_Pictographic}/u)).toBe(true); // emoji
    expect(has(/[äöüßéèàç]/i)).toBe(true); // Latin-1 letters

    const headers = messages.map(rawHeaders).join('\n');
    expect(headers).toMatch(/=\?UTF-8\?B\?/);
    expect(headers).toMatch(/=\?UTF-8\?Q\?/);
    expect(headers).toMatch(/=\?ISO-8859-1\?Q\?/);
    expect(parsed.some((p) => /[\u0400-\u04ff]/.test(p.from?.value[0]?.name ?? ''))).toBe(true);
    expect(parsed.some((p) => /ü/.test(p.from?.value[0]?.name ?? ''))).toBe(true);
  });

  it('marks about 30% of INBOX unread and some flagged, and has plain-text mail with URLs', () => {
    const inbox = messages.filter((m) => m.mailbox === 'INBOX');
    const unread = inbox.filter((m) => !m.flags.includes('\\Seen')).length / inbox.length;
    expect(unread).toBeGreaterThan(0.15);
    expect(unread).toBeLessThan(0.45);
    expect(inbox.some((m) => m.flags.includes('\\Flagged'))).toBe(true);
    expect(messages.filter((m) => m.mailbox === 'Sent').every((m) => m.flags.includes('\\Seen'))).toBe(true);
    const plainWithUrl = parsed.filter((p) => p.html === false && /https?:\/\/\S+/.test(p.text ?? ''));
    expect(plainWithUrl.length).toBeGreaterThan(10);
  });

  it('still contains every kind in a small mailbox', () => {
    const small = generate(5, 40);
    const text = small.map((m) => m.raw.toString('latin1')).join('\n');
    expect(text).toContain('application/pdf');
    expect(text).toContain('image/png');
    expect(text).toContain('multipart/related');
    expect(text).toContain('text/calendar');
    expect(text).toContain('References:');
    expect(text).toMatch(/<img[^>]+src="https:/);
  });
});
