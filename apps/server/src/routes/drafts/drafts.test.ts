// Drafts against real mail backends: saved with APPEND, the previous one replaced, reopened exactly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import { CSRF_HEADER, type ComposeStateInput, type ComposeStateResponse, type SaveDraftResponse } from '@mailroom/shared';
import { Browser, startTestStack, type TestStack } from '../../test-support.js';
import { saveDraft } from './service.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

describe.each(['embedded', 'dovecot-postfix'] as const)('drafts with the %s backend', (kind) => {
  let stack: TestStack;
  let alice: Browser;
  let imap: ImapFlow;
  let draftsPath: string;

  beforeAll(async () => {
    stack = await startTestStack({ backend: kind, perUser: 2 });
    alice = new Browser(stack.app);
    expect((await alice.login('alice@demo.test')).status).toBe(200);
    imap = new ImapFlow({ host: stack.imap.host, port: stack.imap.port, secure: false, auth: { user: 'alice@demo.test', pass: 'demo' }, logger: false });
    await imap.connect();
    draftsPath = (await imap.list()).find((m) => m.specialUse === '\\Drafts')!.path;
  }, 60_000);

  afterAll(async () => {
    await imap?.logout().catch(() => undefined);
    await stack?.close();
  });

  const put = async (body: unknown) => {
    if (!alice.csrf) await alice.get('/api/session');
    return alice.agent.put('/api/drafts').set(CSRF_HEADER, alice.csrf).send(body as object);
  };

  /** UIDs and flags of the drafts whose subject contains `token`. */
  async function draftsWith(token: string) {
    const lock = await imap.getMailboxLock(draftsPath);
    try {
      await imap.noop();
      const uids = (await imap.search({ subject: token }, { uid: true })) || [];
      if (!uids.length) return [];
      const msgs = await imap.fetchAll(uids.join(','), { uid: true, flags: true, source: true }, { uid: true });
      return msgs.map((m) => ({ uid: m.uid, flags: [...(m.flags ?? [])], source: m.source ?? Buffer.alloc(0) }));
    } finally {
      lock.release();
    }
  }

  it('saves a draft twice: exactly one remains, with the newest content, and it reopens as left with its attachments', async () => {
    const token = `d${Date.now()}`;
    const img = await stack.ctx.uploads.save('alice@demo.test', { filename: 'Skizze.png', contentType: 'image/png' }, PNG);
    const doc = await stack.ctx.uploads.save('alice@demo.test', { filename: 'Ärger & Co – Angebot.pdf', contentType: 'application/pdf' }, Buffer.from('%PDF-1.4 Angebot'));
    const first: ComposeStateInput = {
      to: [{ name: 'Bob Marley-Hughes', address: 'bob@demo.test' }],
      subject: `Entwurf ${token} — erste Fassung`,
      format: 'html',
      html: '<p>Erste Fassung</p>',
    };
    const saved1 = await put(first);
    expect(saved1.status).toBe(200);
    const r1 = saved1.body as SaveDraftResponse;
    expect(r1.mailbox).toBe(draftsPath);
    expect(r1.uid).toBeGreaterThan(0);

    const second: ComposeStateInput = {
      to: [{ name: 'Bob Marley-Hughes', address: 'bob@demo.test' }],
      cc: [{ name: 'Zoë Ångström', address: 'zoe@bücher.example' }],
      bcc: [{ name: '', address: 'secret@example.org' }],
      subject: `Entwurf ${token} — zweite Fassung ✓`,
      format: 'html',
      html: `<p>Zweite <b>Fassung</b> mit Bild:</p><p><img src="/api/uploads/${img.id}" alt="Skizze"></p>`,
      attachments: [doc.id],
      priority: 'high',
      readReceipt: true,
      inReplyTo: '<orig@demo.test>',
      references: ['<orig@demo.test>'],
      source: { mailbox: 'INBOX', uid: 1, kind: 'reply' },
      draftUid: r1.uid!,
    };
    const saved2 = await put(second);
    expect(saved2.status).toBe(200);
    const r2 = saved2.body as SaveDraftResponse;
    expect(r2.uid).toBeGreaterThan(r1.uid!);

    const left = await draftsWith(token);
    expect(left.map((d) => d.uid)).toEqual([r2.uid]);
    expect(left[0]!.flags).toEqual(expect.arrayContaining(['\\Draft', '\\Seen']));
    const parsed = await simpleParser(left[0]!.source);
    expect(parsed.subject).toBe(`Entwurf ${token} — zweite Fassung ✓`);
    expect(parsed.headers.has('bcc')).toBe(true);

    const reopened = await alice.send('post', '/api/compose/prefill', { mode: 'draft', mailbox: draftsPath, uid: r2.uid });
    expect(reopened.status).toBe(200);
    const { state, attachments } = reopened.body as ComposeStateResponse;
    const { draftUid, ...rest } = state;
    expect(draftUid).toBe(r2.uid);
    const normalise = (html: string) => html.replace(/\/api\/uploads\/[A-Za-z0-9_-]+/g, '/api/uploads/ID');
    expect({ ...rest, html: normalise(rest.html), attachments: rest.attachments.length }).toEqual({
      to: second.to,
      cc: second.cc,
      bcc: [{ name: '', address: 'secret@example.org' }],
      subject: second.subject,
      format: 'html',
      html: normalise(second.html!),
      text: '',
      attachments: 1,
      priority: 'high',
      readReceipt: true,
      inReplyTo: '<orig@demo.test>',
      references: ['<orig@demo.test>'],
      source: { mailbox: 'INBOX', uid: 1, kind: 'reply' },
    });
    expect(attachments).toHaveLength(1);
    expect(attachments[0]).toMatchObject({ filename: 'Ärger & Co – Angebot.pdf', contentType: 'application/pdf' });
    expect((await stack.ctx.uploads.read('alice@demo.test', attachments[0]!.id))?.content.toString()).toBe('%PDF-1.4 Angebot');
    const imgId = /\/api\/uploads\/([A-Za-z0-9_-]+)/.exec(state.html)![1]!;
    expect((await stack.ctx.uploads.read('alice@demo.test', imgId))?.content.equals(PNG)).toBe(true);

    // Saving the reopened state again still leaves exactly one draft.
    const saved3 = await put({ ...state, text: '' });
    expect(saved3.status).toBe(200);
    expect((await draftsWith(token)).map((d) => d.uid)).toEqual([(saved3.body as SaveDraftResponse).uid]);
  });

  it('two autosaves racing with the same previous draft still leave exactly one draft', async () => {
    const token = `r${Date.now()}`;
    const first = (await put({ subject: `Race ${token}`, text: 'v1' })).body as SaveDraftResponse;
    const [a, b] = await Promise.all([
      put({ subject: `Race ${token}`, text: 'v2', draftUid: first.uid }),
      put({ subject: `Race ${token}`, text: 'v3', draftUid: first.uid }),
    ]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    const left = await draftsWith(token);
    expect(left).toHaveLength(1);
    expect([(a.body as SaveDraftResponse).uid, (b.body as SaveDraftResponse).uid]).toContain(left[0]!.uid);
  });

  it('keeps a plain-text draft with long lines and a signature as written', async () => {
    const token = `p${Date.now()}`;
    const text = `Hallo Bob,\n\n${'eine lange Zeile mit Umlauten äöü und mehr Text darin, '.repeat(4).trim()}\n\n> zitiert\n\n-- \nAlice`;
    const saved = await put({ to: ['bob@demo.test'], subject: `Text ${token}`, format: 'text', text });
    expect(saved.status).toBe(200);
    const uid = (saved.body as SaveDraftResponse).uid;
    const back = (await alice.send('post', '/api/compose/prefill', { mode: 'draft', mailbox: draftsPath, uid })).body as ComposeStateResponse;
    expect(back.state.format).toBe('text');
    expect(back.state.text).toBe(text);
  });

  it('deletes a draft; a missing one is 404; bad input is 400 and nothing is stored', async () => {
    const token = `x${Date.now()}`;
    const saved = await put({ subject: `Weg ${token}`, text: 'bye' });
    const uid = (saved.body as SaveDraftResponse).uid!;
    expect((await draftsWith(token)).length).toBe(1);
    expect((await alice.send('delete', `/api/drafts/${uid}`)).status).toBe(204);
    expect(await draftsWith(token)).toEqual([]);
    expect((await alice.send('delete', `/api/drafts/${uid}`)).status).toBe(404);
    expect((await alice.send('delete', '/api/drafts/abc')).status).toBe(400);

    const bad = await put({ to: ['not an address'], subject: `Bad ${token}` });
    expect(bad.status).toBe(400);
    const unknownImage = await put({ subject: `Bad ${token}`, format: 'html', html: '<img src="/api/uploads/AAAAAAAAAAAAAAAAAAAA">' });
    expect(unknownImage.status).toBe(400);
    expect(await draftsWith(`Bad ${token}`)).toEqual([]);
    expect((await new Browser(stack.app).agent.put('/api/drafts').send({})).status).toBe(403);
  });

  it('finds the new draft by its Message-ID when the server gives no APPENDUID', async () => {
    const token = `n${Date.now()}`;
    // The same connection, but append answers without a UID (as servers without UIDPLUS do).
    const noUidPlus = new Proxy(imap, {
      get(target, prop) {
        if (prop === 'append') {
          return async (...args: Parameters<ImapFlow['append']>) => {
            const res = await target.append(...args);
            return res ? { destination: res.destination } : res;
          };
        }
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const raw = (subject: string) =>
      Buffer.from(`From: alice@demo.test\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@demo.test>\r\nMIME-Version: 1.0\r\n\r\nbody\r\n`);
    const one = await saveDraft(noUidPlus, raw(`${token}-1`), undefined);
    expect(one.mailbox).toBe(draftsPath);
    expect(one.uid).toBeGreaterThan(0);
    const two = await saveDraft(noUidPlus, raw(`${token}-2`), one.uid!);
    expect(two.uid).toBeGreaterThan(one.uid!);
    expect((await draftsWith(token)).map((d) => d.uid)).toEqual([two.uid]);
  });
});
