import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unzipSync } from 'fflate';
import { ImapFlow } from 'imapflow';
import type { Mailbox, MessageDetail, MessageListResponse, MessageSummary, ThreadResponse } from '@mailroom/shared';
import { BACKEND_KINDS, Browser, startTestStack, type BackendKind, type TestStack } from '../../test-support.js';
import { asciiCasemapCompare, baseSubject } from '../../imap/ordering.js';

// Reading at scale, on every backend: the embedded server (server-side SORT/THREAD), Dovecot, and
// the embedded server with SORT, THREAD, ESEARCH, LIST-STATUS, QRESYNC and IDLE hidden (the BFF's
// own fallbacks).
describe.each(BACKEND_KINDS as BackendKind[])('reading on %s', (kind) => {
  let stack: TestStack;
  let alice: Browser;
  const list = async (q: string) => {
    const res = await alice.get(`/api/mailboxes/INBOX/messages?${q}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as MessageListResponse;
  };
  const mailboxes = async (all = false) => ((await alice.get(`/api/mailboxes${all ? '?all=1' : ''}`)).body as { mailboxes: Mailbox[] }).mailboxes;
  const special = async (use: string) => (await mailboxes(true)).find((m) => m.specialUse === use)!.path;
  const subjectsIn = async (path: string) =>
    ((await alice.get(`/api/mailboxes/${encodeURIComponent(path)}/messages?limit=500`)).body as MessageListResponse).messages.map((m) => m.subject);

  beforeAll(async () => {
    stack = await startTestStack({ backend: kind, perUser: 40 });
    alice = new Browser(stack.app);
    expect((await alice.login('alice@demo.test')).status).toBe(200);
  });
  afterAll(async () => stack?.close());

  it('windows any order consistently', async () => {
    for (const sort of ['date', 'arrival', 'subject', 'from', 'size'] as const) {
      const whole = await list(`sort=${sort}&order=asc&offset=0&limit=30`);
      const a = await list(`sort=${sort}&order=asc&offset=0&limit=15`);
      const b = await list(`sort=${sort}&order=asc&offset=15&limit=15`);
      expect([...a.messages, ...b.messages].map((m) => m.uid), sort).toEqual(whole.messages.map((m) => m.uid));
      expect(whole.total).toBe(40);
    }
    // SORT compares base subjects with i;ascii-casemap (RFC 5256); check the ASCII ones
    const bySubject = (await list('sort=subject&order=asc&limit=40')).messages
      .map((m) => baseSubject(m.subject))
      .filter((s) => /^[\x20-\x7e]*$/.test(s));
    expect(bySubject.length).toBeGreaterThan(5);
    expect([...bySubject].sort(asciiCasemapCompare)).toEqual(bySubject);
    const bySize = (await list('sort=size&order=desc&limit=40')).messages.map((m) => m.size);
    expect([...bySize].sort((x, y) => y - x)).toEqual(bySize);
    const newest = await list('sort=date&order=desc&limit=1');
    expect(newest.messages[0]?.subject).toBe('Welcome to Mailroom');
    expect(newest.messages[0]?.preview.length).toBeGreaterThan(10);
  });

  it('answers a window without preview snippets when asked (previews=0), the same rows otherwise', async () => {
    for (const q of ['sort=date&order=desc&limit=20', 'sort=arrival&order=desc&limit=20', 'sort=subject&order=asc&limit=20&threads=1']) {
      const full = await list(q);
      const lite = await list(`${q}&previews=0`);
      expect(lite.messages.map((m) => m.uid), q).toEqual(full.messages.map((m) => m.uid));
      expect(lite.total).toBe(full.total);
      expect(lite.messages.every((m) => m.preview === ''), q).toBe(true);
      expect(full.messages.some((m) => m.preview.length > 0), q).toBe(true);
      expect(lite.messages.map((m) => m.subject)).toEqual(full.messages.map((m) => m.subject));
    }
    // the first screen after sign-in: both windows and the folder list at once (the list waits for the first window)
    const fresh = new Browser(stack.app);
    const signedIn = await fresh.login('alice@demo.test');
    expect(signedIn.status).toBe(200);
    // the sign-in answer brings the preferences along (the first screen needs conversationView)
    expect(typeof signedIn.body.preferences?.conversationView).toBe('boolean');
    const [lite, full, folders] = await Promise.all([
      fresh.get('/api/mailboxes/INBOX/messages?sort=date&order=desc&limit=100&previews=0'),
      fresh.get('/api/mailboxes/INBOX/messages?sort=date&order=desc&limit=100'),
      fresh.get('/api/mailboxes'),
    ]);
    expect([lite.status, full.status, folders.status]).toEqual([200, 200, 200]);
    expect((lite.body as MessageListResponse).messages.map((m) => m.uid)).toEqual((full.body as MessageListResponse).messages.map((m) => m.uid));
    expect((folders.body as { mailboxes: Mailbox[] }).mailboxes.some((m) => m.path === 'INBOX')).toBe(true);
  });

  it('lists every UID of a view for select all', async () => {
    const all = (await alice.get('/api/mailboxes/INBOX/uids?sort=date&order=desc')).body.uids as number[];
    const window = await list('sort=date&order=desc&limit=40');
    expect(all).toEqual(window.messages.map((m) => m.uid));
    const found = (await alice.get('/api/mailboxes/INBOX/uids?q=Welcome')).body.uids as number[];
    expect(found.length).toBeGreaterThan(0);
    expect(found.length).toBeLessThan(all.length);
  });

  it('searches the full text', async () => {
    const found = await list('q=Welcome&limit=50');
    expect(found.messages.some((m) => m.subject === 'Welcome to Mailroom')).toBe(true);
    expect(found.total).toBeLessThan(40);
    expect((await list('q=zzqqxxnotaword&limit=50')).total).toBe(0);
  });

  it('groups conversations and shows your replies from Sent in them', async () => {
    const threaded = await list('threads=1&limit=100');
    expect(threaded.total).toBeLessThan(40);
    const thread = threaded.messages.find((m) => (m.threadSize ?? 1) > 1)!;
    expect(thread, 'a seeded thread').toBeDefined();
    const detail = (await alice.get(`/api/mailboxes/INBOX/threads/${thread.threadId}`)).body as ThreadResponse;
    expect(detail.messages.length).toBeGreaterThanOrEqual(thread.threadSize!);

    // reply to the newest message of the thread; the copy in Sent joins the conversation
    const original = (await alice.get(`/api/mailboxes/INBOX/messages/${thread.uid}?peek=1`)).body as MessageDetail;
    const subject = `Re: ${original.subject.replace(/^re:\s*/i, '')}`;
    const sent = await alice.send('post', '/api/messages/send', {
      to: ['bob@demo.test'],
      undoDelayMs: 0,
      subject,
      text: 'Agreed.',
      inReplyTo: original.messageId,
      references: [original.messageId],
    });
    expect(sent.status).toBe(202);
    const again = (await alice.get(`/api/mailboxes/INBOX/threads/${thread.threadId}`)).body as ThreadResponse;
    const sentPath = await special('\\Sent');
    expect(again.messages.some((m) => m.mailbox === sentPath && m.subject === subject)).toBe(true);
    const dates = again.messages.map((m) => m.date);
    expect([...dates].sort()).toEqual(dates);
  });

  it('acts on selections: flags, tags, archive with undo, junk, delete to Trash and for good', async () => {
    const rows = (await list('sort=arrival&order=asc&limit=6')).messages;
    const [a, b, c, d, e] = rows as [MessageSummary, MessageSummary, MessageSummary, MessageSummary, MessageSummary];
    const act = (body: object, path = 'INBOX') => alice.send('post', `/api/mailboxes/${encodeURIComponent(path)}/messages/actions`, body);

    expect((await act({ uids: [a.uid, b.uid], action: 'flag' })).status).toBe(200);
    expect((await act({ uids: [a.uid], action: 'addKeyword', keyword: 'Urgent' })).status).toBe(200);
    let now = (await list('sort=arrival&order=asc&limit=6')).messages;
    expect(now[0]!.flagged && now[1]!.flagged).toBe(true);
    expect(now[0]!.keywords).toContain('Urgent');
    await act({ uids: [a.uid], action: 'removeKeyword', keyword: 'Urgent' });
    await act({ uids: [a.uid, b.uid], action: 'unflag' });
    now = (await list('sort=arrival&order=asc&limit=6')).messages;
    expect(now[0]!.keywords).not.toContain('Urgent');
    expect(now[0]!.flagged).toBe(false);

    const archived = await act({ uids: [c.uid], action: 'archive' });
    expect(archived.status).toBe(200);
    const archive = await special('\\Archive');
    expect(await subjectsIn(archive)).toContain(c.subject);
    expect((await list('sort=arrival&order=asc&limit=50')).messages.some((m) => m.uid === c.uid)).toBe(false);
    const undo = archived.body.undo;
    expect(undo).toMatchObject({ mailbox: archive, destination: 'INBOX' });
    expect((await act({ uids: undo.uids, action: 'move', destination: 'INBOX' }, archive)).status).toBe(200);
    expect(await subjectsIn('INBOX')).toContain(c.subject);

    await act({ uids: [d.uid], action: 'junk' });
    expect(await subjectsIn(await special('\\Junk'))).toContain(d.subject);

    const trash = await special('\\Trash');
    const deleted = await act({ uids: [e.uid], action: 'delete' });
    expect(await subjectsIn(trash)).toContain(e.subject);
    const inTrash = deleted.body.undo.uids as number[];
    await act({ uids: inTrash, action: 'delete' }, trash);
    expect(await subjectsIn(trash)).not.toContain(e.subject);

    expect((await act({ uids: [a.uid], action: 'move' })).status).toBe(400);
    expect((await act({ uids: [a.uid], action: 'move', destination: 'Nowhere' })).status).toBe(404);
    expect((await act({ uids: [], action: 'read' })).status).toBe(400);
  });

  it('manages folders', async () => {
    const delimiter = (await mailboxes()).find((m) => m.path === 'INBOX')!.delimiter ?? '/';
    const parent = `Projects ${kind}`;
    const child = `${parent}${delimiter}Ünïcode 2026`;
    expect((await alice.send('post', '/api/mailboxes', { path: parent })).status).toBe(201);
    const created = await alice.send('post', '/api/mailboxes', { path: child });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ path: child, parent });
    expect((await alice.send('post', '/api/mailboxes', { path: child })).status).toBe(409);

    const renamed = `${parent}${delimiter}Archive 2026`;
    expect((await alice.send('patch', `/api/mailboxes/${encodeURIComponent(child)}`, { path: renamed })).status).toBe(204);
    expect((await mailboxes()).map((m) => m.path)).toContain(renamed);
    expect((await alice.send('patch', `/api/mailboxes/${encodeURIComponent(renamed)}`, { subscribed: false })).status).toBe(204);
    expect((await mailboxes()).map((m) => m.path)).not.toContain(renamed);
    expect((await mailboxes(true)).find((m) => m.path === renamed)?.subscribed).toBe(false);
    expect((await alice.send('delete', `/api/mailboxes/${encodeURIComponent(renamed)}`)).status).toBe(204);
    expect((await mailboxes(true)).map((m) => m.path)).not.toContain(renamed);

    expect((await alice.send('delete', '/api/mailboxes/INBOX')).status).toBe(400);
    expect((await alice.send('delete', `/api/mailboxes/${encodeURIComponent(await special('\\Sent'))}`)).status).toBe(400);
    expect((await alice.send('post', '/api/mailboxes', { path: 'bad*name' })).status).toBe(400);
    expect((await alice.send('post', '/api/mailboxes/INBOX/empty')).status).toBe(400);
    const junk = await special('\\Junk');
    expect((await alice.send('post', `/api/mailboxes/${encodeURIComponent(junk)}/empty`)).status).toBe(204);
    expect(await subjectsIn(junk)).toEqual([]);
  });

  it('shows headers, source, zipped attachments, and reads without marking when asked', async () => {
    const rows = (await list('limit=40')).messages;
    const unread = rows.find((m) => !m.seen)!;
    await alice.get(`/api/mailboxes/INBOX/messages/${unread.uid}?peek=1`);
    expect((await list('limit=40')).messages.find((m) => m.uid === unread.uid)!.seen).toBe(false);

    const headers = (await alice.get(`/api/mailboxes/INBOX/messages/${rows[0]!.uid}/headers`)).body.headers as Array<{ name: string; value: string }>;
    expect(headers.find((h) => h.name.toLowerCase() === 'subject')?.value).toBe(rows[0]!.subject);
    const source = await alice.get(`/api/mailboxes/INBOX/messages/${rows[0]!.uid}/source`);
    expect(source.headers['content-type']).toMatch(/^text\/plain/);
    expect(source.text).toMatch(/^[\s\S]*Subject:/m);

    let zipped: { uid: number; names: string[] } | undefined;
    for (const m of rows.filter((r) => r.hasAttachments)) {
      const res = await alice.agent.get(`/api/mailboxes/INBOX/messages/${m.uid}/attachments.zip`).buffer(true).parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
      expect(res.status).toBe(200);
      const files = unzipSync(new Uint8Array(res.body as Buffer));
      zipped = { uid: m.uid, names: Object.keys(files) };
      expect(Object.values(files).every((f) => f.length > 0)).toBe(true);
      break;
    }
    expect(zipped?.names.length).toBeGreaterThan(0);
    const plain = rows.find((r) => !r.hasAttachments)!;
    expect((await alice.get(`/api/mailboxes/INBOX/messages/${plain.uid}/attachments.zip`)).status).toBe(404);
  });

  it('keeps preferences per user, validated', async () => {
    const prefs = (await alice.get('/api/preferences')).body;
    expect(prefs).toMatchObject({ markReadDelayMs: 0, conversationView: false, theme: 'system', language: 'en' });
    const updated = await alice.send('patch', '/api/preferences', { language: 'de', remoteContentSenders: ['News@Example.org'] });
    expect(updated.body).toMatchObject({ language: 'de', remoteContentSenders: ['news@example.org'] });
    expect((await alice.get('/api/preferences')).body.language).toBe('de');
    expect((await alice.send('patch', '/api/preferences', { theme: 'purple' })).status).toBe(400);
    const bob = new Browser(stack.app);
    await bob.login('bob@demo.test');
    expect((await bob.get('/api/preferences')).body.language).toBe('en');
  });

  it('reports the quota when the server has one', async () => {
    const q = (await alice.get('/api/quota')).body;
    expect(q).toHaveProperty('usedBytes');
    expect(q).toHaveProperty('limitBytes');
    if (q.usedBytes !== null) expect(q.usedBytes).toBeGreaterThan(0);
  });

  it('a new session of the same user sees the mailbox as it is now, not an order an earlier session kept', async () => {
    const before = await list('sort=date&order=desc&limit=100');
    // mail arrives through another client (IMAP APPEND), newest date of all
    const other = new ImapFlow({ host: stack.imap.host, port: stack.imap.port, secure: false, doSTARTTLS: false, auth: { user: 'alice@demo.test', pass: 'demo' }, logger: false });
    await other.connect();
    const subject = `Order cache check ${kind}`;
    try {
      await other.append('INBOX', `From: carol@demo.test\r\nTo: alice@demo.test\r\nSubject: ${subject}\r\nDate: ${new Date(Date.now() + 3_600_000).toUTCString()}\r\nMessage-ID: <cache-${kind}@demo.test>\r\n\r\nhello\r\n`);
    } finally {
      await other.logout();
    }
    const second = new Browser(stack.app);
    expect((await second.login('alice@demo.test')).status).toBe(200);
    const after = (await second.get('/api/mailboxes/INBOX/messages?sort=date&order=desc&limit=100')).body as MessageListResponse;
    expect(after.total).toBe(before.total + 1);
    expect(after.messages[0]?.subject).toBe(subject);
    expect(after.messages.slice(1).map((m) => m.uid)).toEqual(before.messages.slice(0, 99).map((m) => m.uid));
    // and it goes away again for a later session after an expunge
    const uid = after.messages[0]!.uid;
    expect((await second.send('post', '/api/mailboxes/INBOX/messages/actions', { uids: [uid], action: 'delete' })).status).toBeLessThan(300);
    const third = new Browser(stack.app);
    expect((await third.login('alice@demo.test')).status).toBe(200);
    const again = (await third.get('/api/mailboxes/INBOX/messages?sort=date&order=desc&limit=100')).body as MessageListResponse;
    expect(again.messages.map((m) => m.uid)).not.toContain(uid);
  });
});
