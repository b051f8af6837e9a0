import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapFlow } from 'imapflow';
import { toCrlf } from '../src/store/index.js';
import { compose, connectClient, PASS, startTestServer, USER, type TestServer } from './imap-helpers.js';

let srv: TestServer;
let client: ImapFlow;
let multipart: Buffer;

beforeAll(async () => {
  srv = await startTestServer();
  multipart = await compose({
    from: { name: 'Jürgen Müller', address: 'juergen@example.org' },
    to: [{ name: 'Alice', address: USER }, 'carol@example.org'],
    cc: 'dave@example.org',
    subject: 'Grüße aus Köln — report',
    messageId: '<report-1@example.org>',
    date: new Date('2026-03-01T10:00:00Z'),
    text: 'Hello Alice,\nthe quarterly report is attached.\nBest, Jürgen\n',
    html: '<p>Hello Alice,</p><p>the quarterly <b>report</b> is attached.</p>',
    attachments: [{ filename: 'report.pdf', content: Buffer.alloc(3000, 7), contentType: 'application/pdf' }],
  });
  // the store normalises line ends to CRLF (nodemailer leaves bare LF in 7bit text parts)
  multipart = toCrlf(multipart);
  await srv.store.deliver(USER, multipart, { internalDate: new Date('2026-03-01T10:00:05Z') });
  for (let i = 1; i <= 3; i++) {
    await srv.store.deliver(USER, await compose({ from: 'bob@example.org', to: USER, subject: `Plain ${i}`, text: `plain body number ${i} with keyword ${i === 2 ? 'pineapple' : 'apple'}` }));
  }
  client = await connectClient(srv.port);
});

afterAll(async () => {
  await client?.logout().catch(() => undefined);
  await srv?.close();
});

describe('IMAP with imapflow', () => {
  it('rejects a wrong password with NO and accepts the right one', async () => {
    const bad = new ImapFlow({ host: '127.0.0.1', port: srv.port, secure: false, auth: { user: USER, pass: 'wrong' }, logger: false });
    await expect(bad.connect()).rejects.toMatchObject({ authenticationFailed: true });
    expect(client.authenticated).toBeTruthy();
    expect(client.capabilities.has('IDLE')).toBe(true);
    expect(client.capabilities.has('UIDPLUS')).toBe(true);
    expect(PASS).toBeTruthy();
  });

  it('lists mailboxes with special-use attributes', async () => {
    const boxes = await client.list();
    const byPath = new Map(boxes.map((b) => [b.path, b]));
    expect([...byPath.keys()]).toEqual(expect.arrayContaining(['INBOX', 'Drafts', 'Sent', 'Trash', 'Junk', 'Archive']));
    expect(byPath.get('Sent')!.specialUse).toBe('\\Sent');
    expect(byPath.get('Trash')!.specialUse).toBe('\\Trash');
    expect(byPath.get('Drafts')!.specialUse).toBe('\\Drafts');
    expect(byPath.get('INBOX')!.specialUse).toBe('\\Inbox');
    expect(byPath.get('Sent')!.flags.has('\\HasNoChildren')).toBe(true);
    expect(byPath.get('Sent')!.subscribed).toBe(true);
  });

  it('lists with inline STATUS (LIST-STATUS) as the webmail does', async () => {
    const boxes = await client.list({ statusQuery: { messages: true, unseen: true } });
    const inbox = boxes.find((b) => b.path === 'INBOX')!;
    expect(inbox.status).toMatchObject({ messages: 4, unseen: 4 });
    expect(boxes.find((b) => b.path === 'Sent')!.status).toMatchObject({ messages: 0, unseen: 0 });
    expect(boxes.find((b) => b.path === 'Sent')!.specialUse).toBe('\\Sent');
  });

  it('selects INBOX with counts and uid data', async () => {
    const box = await client.mailboxOpen('INBOX');
    expect(box.exists).toBe(4);
    expect(box.uidNext).toBe(5);
    expect(Number(box.uidValidity)).toBeGreaterThan(0);
    expect(box.permanentFlags?.has('\\Seen')).toBe(true);
  });

  it('fetches envelope, bodystructure and source of a multipart message', async () => {
    const msg = await client.fetchOne('1', { uid: true, envelope: true, bodyStructure: true, source: true, flags: true, size: true, internalDate: true });
    expect(msg).toBeTruthy();
    if (!msg) return;
    expect(msg.uid).toBe(1);
    expect(msg.envelope!.subject).toBe('Grüße aus Köln — report');
    expect(msg.envelope!.from![0]).toMatchObject({ name: 'Jürgen Müller', address: 'juergen@example.org' });
    expect(msg.envelope!.to!.map((a) => a.address)).toEqual([USER, 'carol@example.org']);
    expect(msg.envelope!.cc![0]!.address).toBe('dave@example.org');
    expect(msg.envelope!.messageId).toBe('<report-1@example.org>');
    expect(msg.source!.equals(multipart)).toBe(true);
    expect(msg.size).toBe(multipart.length);
    expect((msg.internalDate as Date).toISOString()).toBe('2026-03-01T10:00:05.000Z');
    const bs = msg.bodyStructure!;
    expect(bs.type).toBe('multipart/mixed');
    expect(bs.childNodes![0]!.type).toBe('multipart/alternative');
    expect(bs.childNodes![0]!.childNodes!.map((c) => c.type)).toEqual(['text/plain', 'text/html']);
    expect(bs.childNodes![0]!.childNodes![0]!.part).toBe('1.1');
    const att = bs.childNodes![1]!;
    expect(att.type).toBe('application/pdf');
    expect(att.part).toBe('2');
    expect(att.disposition).toBe('attachment');
    expect(att.dispositionParameters?.filename).toBe('report.pdf');
    expect(att.encoding).toBe('base64');
  });

  it('downloads a decoded attachment part and text part', async () => {
    const { content } = await client.download('1', '2', { uid: true });
    const chunks: Buffer[] = [];
    for await (const c of content!) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(Buffer.alloc(3000, 7))).toBe(true);
    const text = await client.fetchOne('1', { uid: true, bodyParts: ['1.1'] });
    expect(text && text.bodyParts!.get('1.1')!.toString()).toContain('quarterly report');
  });

  it('supports partial body fetch and header field fetch', async () => {
    const res = await client.fetchOne('1', { uid: true, headers: ['subject', 'message-id'], bodyParts: [{ key: 'TEXT', start: 0, maxLength: 20 }] } as never);
    expect(res).toBeTruthy();
    const r = res as unknown as { headers: Buffer; bodyParts: Map<string, Buffer> };
    const headers = r.headers.toString();
    expect(headers).toMatch(/^Subject: /im);
    expect(headers).toMatch(/^Message-ID: <report-1@example.org>/im);
    expect(headers).not.toMatch(/^From:/im);
    const part = [...r.bodyParts.values()][0]!;
    expect(part.length).toBe(20);
    const full = multipart.toString('latin1');
    const bodyStart = full.indexOf('\r\n\r\n') + 4;
    expect(part.toString('latin1')).toBe(full.slice(bodyStart, bodyStart + 20));
  });

  it('stores flags; BODY.PEEK leaves \\Seen unset', async () => {
    const userFlags = (m: { flags?: Set<string> } | false) => (m && m.flags ? [...m.flags].filter((f) => f !== '\\Recent').sort() : null);
    let m = await client.fetchOne('2', { uid: true, flags: true });
    expect(userFlags(m)).toEqual([]);
    await client.messageFlagsAdd('2', ['\\Flagged', '$Important'], { uid: true });
    m = await client.fetchOne('2', { uid: true, flags: true });
    expect(userFlags(m)).toEqual(['$Important', '\\Flagged']);
    await client.messageFlagsRemove('2', ['$Important'], { uid: true });
    await client.messageFlagsSet('3', ['\\Answered'], { uid: true });
    m = await client.fetchOne('3', { uid: true, flags: true });
    expect(userFlags(m)).toEqual(['\\Answered']);
    await client.messageFlagsRemove('2', ['$Important'], { uid: true });
    expect(userFlags(await client.fetchOne('2', { uid: true, flags: true }))).toEqual(['\\Flagged']);
    // imapflow fetches with BODY.PEEK, which must not set \Seen
    await client.fetchOne('4', { uid: true, source: true });
    expect(userFlags(await client.fetchOne('4', { uid: true, flags: true }))).toEqual([]);
  });

  it('searches by flags, header fields, body text, size and dates', async () => {
    expect(await client.search({ flagged: true }, { uid: true })).toEqual([2]);
    expect(await client.search({ answered: false }, { uid: true })).toEqual([1, 2, 4]);
    expect(await client.search({ subject: 'plain' }, { uid: true })).toEqual([2, 3, 4]);
    expect(await client.search({ from: 'müller' }, { uid: true })).toEqual([1]);
    expect(await client.search({ body: 'pineapple' }, { uid: true })).toEqual([3]);
    expect(await client.search({ body: 'quarterly' }, { uid: true })).toEqual([1]);
    expect(await client.search({ larger: 3000 }, { uid: true })).toEqual([1]);
    expect(await client.search({ or: [{ uid: '1' }, { subject: 'Plain 3' }] }, { uid: true })).toEqual([1, 4]);
    expect(await client.search({ not: { subject: 'plain' } } as never, { uid: true })).toEqual([1]);
    expect(await client.search({ before: new Date('2026-03-02T00:00:00Z') }, { uid: true })).toEqual([1]);
    expect(await client.search({ sentBefore: new Date('2026-03-02T00:00:00Z') }, { uid: true })).toEqual([1]);
    expect(await client.search({ header: { 'message-id': 'report-1' } }, { uid: true })).toEqual([1]);
    expect(await client.search({ all: true })).toEqual([1, 2, 3, 4]);
    // non-ASCII criteria travel as UTF-8 literals and match decoded encoded-words
    expect(await client.search({ subject: 'GRÜSSE' }, { uid: true })).toEqual([]);
    expect(await client.search({ subject: 'grüße aus köln' }, { uid: true })).toEqual([1]);
    expect(await client.search({ text: 'Jürgen' }, { uid: true })).toEqual([1]);
    expect(await client.search({ body: 'jürgen' }, { uid: true })).toEqual([1]);
  });

  it('appends to Sent and returns the new UID', async () => {
    const raw = await compose({ from: USER, to: 'zoe@example.org', subject: 'Sent item', text: 'sent text' });
    const res = await client.append('Sent', raw, ['\\Seen'], new Date('2026-01-02T03:04:05Z'));
    expect(res).toMatchObject({ destination: 'Sent', uid: 1 });
    const status = await client.status('Sent', { messages: true, uidNext: true, unseen: true });
    expect(status).toMatchObject({ messages: 1, uidNext: 2, unseen: 0 });
    const res2 = await client.append('Sent', raw);
    expect(res2 && res2.uid).toBe(2);
    await expect(client.append('Nope', raw)).rejects.toBeTruthy();
  });

  it('appends and fetches back a large message', async () => {
    const big = await compose({ from: USER, to: USER, subject: 'big', text: 'x', attachments: [{ filename: 'big.bin', content: Buffer.alloc(6 * 1024 * 1024, 0x41) }] });
    const res = await client.append('Drafts', big, ['\\Draft']);
    expect(res && res.uid).toBe(1);
    const lock = await client.getMailboxLock('Drafts');
    try {
      const m = await client.fetchOne('1', { uid: true, size: true, source: true }, { uid: true });
      expect(m && m.size).toBe(big.length);
      expect(m && m.source!.equals(big)).toBe(true);
    } finally {
      lock.release();
    }
  });

  it('copies and moves messages with COPYUID', async () => {
    await client.mailboxOpen('INBOX');
    const copied = await client.messageCopy('2', 'Archive', { uid: true });
    expect(copied && copied.uidMap?.get(2)).toBe(1);
    const moved = await client.messageMove('3', 'Trash', { uid: true });
    expect(moved && moved.uidMap?.get(3)).toBe(1);
    expect(client.mailbox && client.mailbox.exists).toBe(3);
    expect(await client.search({ all: true }, { uid: true })).toEqual([1, 2, 4]);
  });

  it('creates, renames and deletes mailboxes with hierarchy', async () => {
    await client.mailboxCreate(['Projects', 'Alpha']);
    let boxes = await client.list();
    expect(boxes.find((b) => b.path === 'Projects')!.flags.has('\\HasChildren')).toBe(true);
    expect(boxes.find((b) => b.path === 'Projects/Alpha')).toBeTruthy();
    await client.mailboxRename('Projects', 'Work');
    boxes = await client.list();
    expect(boxes.map((b) => b.path)).toEqual(expect.arrayContaining(['Work', 'Work/Alpha']));
    expect(boxes.find((b) => b.path.startsWith('Projects'))).toBeUndefined();
    await client.mailboxDelete('Work/Alpha');
    await client.mailboxDelete('Work');
    await expect(client.mailboxDelete('INBOX')).rejects.toBeTruthy();
    boxes = await client.list();
    expect(boxes.find((b) => b.path.startsWith('Work'))).toBeUndefined();
  });

  it('supports CONDSTORE: HIGHESTMODSEQ, MODSEQ and CHANGEDSINCE', async () => {
    const box = await client.mailboxOpen('INBOX');
    expect(box.highestModseq).toBeTruthy();
    const before = BigInt(box.highestModseq!);
    await client.messageFlagsAdd('4', ['$Changed'], { uid: true });
    const changed = await client.fetchAll('1:*', { uid: true, flags: true }, { uid: true, changedSince: before });
    expect(changed.map((m) => m.uid)).toEqual([4]);
    expect(changed[0]!.modseq! > before).toBe(true);
  });

  it('stores non-ASCII mailbox names in modified UTF-7', async () => {
    await srv.store.deliver(USER, await compose({ from: 'x@example.org', to: USER, subject: 'umlaut box', text: 'x' }), { mailbox: 'Entwürfe & Notizen' });
    const boxes = await client.list();
    expect(boxes.map((b) => b.path)).toContain('Entwürfe & Notizen');
    const st = await client.status('Entwürfe & Notizen', { messages: true });
    expect(st).toMatchObject({ messages: 1 });
    await client.mailboxCreate('Привет');
    expect((await client.list()).map((b) => b.path)).toContain('Привет');
  });

  it('reports QUOTA usage and enforces the limit on APPEND', async () => {
    const none = await client.getQuota('INBOX'); // unlimited: no quota root, so no storage resource
    expect(none && none.storage).toBeFalsy();
    srv.store.setQuota(USER, 30 * 1024 * 1024);
    const q = await client.getQuota('INBOX');
    expect(q && q.storage!.limit).toBe(30 * 1024 * 1024);
    expect(q && q.storage!.usage).toBeGreaterThan(6 * 1024 * 1024); // the big draft
    const user = srv.store.findUser(USER)!;
    srv.store.setQuota(USER, (await srv.store.getQuota(user.id)).usedBytes);
    const raw = await compose({ from: USER, to: USER, subject: 'over', text: 'quota' });
    await expect(client.append('Drafts', raw)).rejects.toMatchObject({ serverResponseCode: 'OVERQUOTA' });
    await expect(srv.store.deliver(USER, raw)).rejects.toMatchObject({ code: 'OVERQUOTA' });
    srv.store.setQuota(USER, null);
    const again = await client.getQuota('INBOX');
    expect(again && again.storage).toBeFalsy();
  });

  it('reports status of mailboxes', async () => {
    const st = await client.status('INBOX', { messages: true, unseen: true, uidNext: true, uidValidity: true, recent: true });
    expect(st).toMatchObject({ messages: 3, uidNext: 5 });
  });
});
