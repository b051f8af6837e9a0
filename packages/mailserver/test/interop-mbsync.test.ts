import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMaildirFolders, readMaildirFolder } from './support/maildir.js';
import { ensureMbsync } from './support/mbsync.js';
import { run } from './support/run.js';
import { composeMessage, SIMPLE_PASS, startInteropServer, type InteropServer } from './support/server.js';

const USER = 'erin@interop.test';
let srv: InteropServer;
let mbsync: string;
let tmp: string;
let rc: string;
let inboxDir: string;
let mailDir: string;

type Snapshot = Record<string, Array<{ messageId: string; flags: string[] }>>;

const msg = (id: string, subject: string) =>
  composeMessage({ from: 'Gus <gus@example.org>', to: USER, subject, messageId: `<${id}@interop.test>`, text: `body of ${subject}` });

async function sync(label: string) {
  const r = await run(mbsync, ['-c', rc, '-a'], { timeoutMs: 60_000, env: { ...process.env, HOME: tmp } });
  if (r.code !== 0) throw new Error(`mbsync (${label}) exited ${String(r.code ?? r.signal)}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** The server's view, read with imapflow: folder → messages (Message-ID, flags without \Recent). */
async function serverSnapshot(): Promise<Snapshot> {
  const client = new ImapFlow({ host: '127.0.0.1', port: srv.port, secure: false, auth: { user: USER, pass: SIMPLE_PASS }, logger: false, disableAutoIdle: true });
  await client.connect();
  const out: Snapshot = {};
  try {
    for (const box of await client.list()) {
      const lock = await client.getMailboxLock(box.path);
      try {
        const list: Snapshot[string] = [];
        if (client.mailbox && client.mailbox.exists > 0) {
          for await (const m of client.fetch('1:*', { envelope: true, flags: true })) {
            list.push({ messageId: m.envelope?.messageId ?? '', flags: [...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort() });
          }
        }
        out[box.path] = list.sort((a, b) => a.messageId.localeCompare(b.messageId));
      } finally {
        lock.release();
      }
    }
  } finally {
    await client.logout();
  }
  return out;
}

/** UIDs, UIDNEXT and HIGHESTMODSEQ of every mailbox, straight from the store. */
async function serverState() {
  const store = srv.server.store;
  const userId = store.findUser(USER)!.id;
  const out: Record<string, { uids: number[]; uidnext: number; highestmodseq: number }> = {};
  for (const box of await store.listMailboxes(userId)) {
    const st = await store.mailboxStatus(box.id);
    out[box.name] = { uids: await store.listUids(box.id), uidnext: st.uidnext, highestmodseq: st.highestmodseq };
  }
  return out;
}

function localSnapshot(): Snapshot {
  const out: Snapshot = { INBOX: readMaildirFolder(inboxDir, 'INBOX').map(({ messageId, flags }) => ({ messageId, flags })) };
  for (const f of listMaildirFolders(mailDir)) out[f] = readMaildirFolder(path.join(mailDir, f), f).map(({ messageId, flags }) => ({ messageId, flags }));
  return out;
}

function fileListing(): string[] {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (!e.name.startsWith('.mbsyncstate') && e.name !== '.uidvalidity') files.push(path.relative(tmp, full));
    }
  };
  walk(inboxDir);
  walk(mailDir);
  return files.sort();
}

beforeAll(async () => {
  mbsync = await ensureMbsync();
  srv = await startInteropServer([{ email: USER, password: SIMPLE_PASS }]);
  const store = srv.server.store;
  await store.deliver(USER, await msg('plain', 'unread one'));
  await store.deliver(USER, await msg('seen', 'read one'), { flags: ['\\Seen'] });
  await store.deliver(USER, await msg('flagged', 'important'), { flags: ['\\Seen', '\\Flagged'] });
  await store.deliver(USER, await msg('answered', 'replied to'), { flags: ['\\Seen', '\\Answered'] });
  await store.deliver(USER, await msg('sent-1', 'my outgoing'), { mailbox: 'Sent', flags: ['\\Seen'] });
  await store.deliver(USER, await msg('alpha-1', 'project alpha'), { mailbox: 'Projects/Alpha' });
  await store.deliver(USER, await msg('draft-1', 'half written'), { mailbox: 'Drafts', flags: ['\\Draft', '\\Seen'] });

  tmp = mkdtempSync(path.join(tmpdir(), 'mailroom-mbsync-'));
  inboxDir = path.join(tmp, 'inbox');
  mailDir = path.join(tmp, 'mail');
  mkdirSync(mailDir);
  rc = path.join(tmp, 'mbsyncrc');
  writeFileSync(rc, [
    'IMAPAccount mailroom',
    'Host 127.0.0.1',
    `Port ${srv.port}`,
    `User ${USER}`,
    `Pass ${SIMPLE_PASS}`,
    'SSLType None',
    'AuthMechs PLAIN LOGIN',
    '',
    'IMAPStore mailroom-far',
    'Account mailroom',
    '',
    'MaildirStore local-near',
    `Path ${mailDir}/`,
    `Inbox ${inboxDir}`,
    'SubFolders Verbatim',
    '',
    'Channel mailroom',
    'Far :mailroom-far:',
    'Near :local-near:',
    'Patterns *',
    'Create Both',
    'Expunge Both',
    'SyncState *',
    '',
  ].join('\n'));
}, 300_000);

afterAll(async () => {
  await srv?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('mbsync (isync) against the embedded IMAP server', () => {
  it('syncs server → Maildir, Maildir → server, and a further sync changes nothing', async () => {
    // 1. server → local
    await sync('first');
    const first = localSnapshot();
    expect(first).toEqual(await serverSnapshot());
    expect(first.INBOX).toEqual([
      { messageId: '<answered@interop.test>', flags: ['\\Answered', '\\Seen'] },
      { messageId: '<flagged@interop.test>', flags: ['\\Flagged', '\\Seen'] },
      { messageId: '<plain@interop.test>', flags: [] },
      { messageId: '<seen@interop.test>', flags: ['\\Seen'] },
    ]);
    expect(first['Projects/Alpha']).toEqual([{ messageId: '<alpha-1@interop.test>', flags: [] }]);
    expect(first.Drafts).toEqual([{ messageId: '<draft-1@interop.test>', flags: ['\\Draft', '\\Seen'] }]);

    // 2. local changes: a new message, a flag change, a deletion, a new folder; plus new mail on the server
    const inbox = readMaildirFolder(inboxDir, 'INBOX');
    const plain = inbox.find((m) => m.messageId === '<plain@interop.test>')!;
    const seen = inbox.find((m) => m.messageId === '<seen@interop.test>')!;
    renameSync(path.join(inboxDir, plain.file), path.join(inboxDir, 'cur', `${path.basename(plain.file).replace(/:2,.*$/, '')}:2,FS`));
    unlinkSync(path.join(inboxDir, seen.file));
    const localNew = await msg('local-new', 'written offline');
    writeFileSync(path.join(inboxDir, 'new', '1767225600.M1P1.local-new'), localNew);
    const localFolder = path.join(mailDir, 'Local Only');
    for (const d of ['cur', 'new', 'tmp']) mkdirSync(path.join(localFolder, d), { recursive: true });
    writeFileSync(path.join(localFolder, 'cur', '1767225601.M2P1.local-folder:2,S'), await msg('local-folder', 'in a local folder'));
    await srv.server.store.deliver(USER, await msg('server-new', 'arrived meanwhile'));

    await sync('second');
    const server2 = await serverSnapshot();
    expect(server2.INBOX).toEqual([
      { messageId: '<answered@interop.test>', flags: ['\\Answered', '\\Seen'] },
      { messageId: '<flagged@interop.test>', flags: ['\\Flagged', '\\Seen'] },
      { messageId: '<local-new@interop.test>', flags: [] },
      { messageId: '<plain@interop.test>', flags: ['\\Flagged', '\\Seen'] },
      { messageId: '<server-new@interop.test>', flags: [] },
    ]);
    expect(server2['Local Only']).toEqual([{ messageId: '<local-folder@interop.test>', flags: ['\\Seen'] }]);
    expect(localSnapshot()).toEqual(server2);

    // 3. nothing changed anywhere: another sync must not touch a file or a message
    const files = fileListing();
    const before = await serverState();
    await sync('third');
    expect(await serverState()).toEqual(before); // same UIDs, no new modseq, no new uidnext
    expect(fileListing()).toEqual(files);
    const server3 = await serverSnapshot();
    expect(server3).toEqual(server2);
    const ids = Object.values(server3).flat().map((m) => m.messageId);
    expect(new Set(ids).size).toBe(ids.length); // no duplicates anywhere
    expect(localSnapshot()).toEqual(server3);
    // the byte content survived the round trip (mbsync adds an X-TUID header to track its uploads)
    const userId = srv.server.store.findUser(USER)!.id;
    const box = (await srv.server.store.getMailbox(userId, 'INBOX'))!;
    const raws = await Promise.all((await srv.server.store.listUids(box.id)).map((u) => srv.server.store.getRaw(box.id, u)));
    const stripTuid = (b: Buffer | null) => b?.toString('utf8').replace(/^X-TUID: [^\r\n]*\r\n/m, '');
    expect(raws.map(stripTuid).filter((r) => r === localNew.toString('utf8'))).toHaveLength(1);
  }, 180_000); // three mbsync runs; a cap for a loaded machine
});

