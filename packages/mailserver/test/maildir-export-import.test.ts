import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportMaildir, importMaildir, MaildirError, mailboxToMaildirName, userMaildirPath } from '../src/maildir/index.js';
import { seedDemo } from '../src/seed/index.js';
import { encodeMailboxName, openStore, type MailStore } from '../src/store/index.js';

const execFileP = promisify(execFile);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-maildir-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const NOW = new Date('2026-03-01T12:00:00Z');
const USERS = ['alice@demo.test', 'bob@demo.test'];
const PROJECTS = encodeMailboxName('Projets/Été 2026'); // "Projets/&AMk-t&AOk- 2026"
const RND = encodeMailboxName('R&D/Ünïcode ✓');
const DOTTED = 'Releases/v1.2';

interface Snapshot {
  name: string;
  subscribed: boolean;
  specialUse: string | null;
  messages: Array<{ raw: string; flags: string[]; internaldate: number }>;
}

/** Everything a user can see: folders, subscriptions, and every message's bytes, flags and date, in UID order. */
async function snapshot(store: MailStore, email: string): Promise<Snapshot[]> {
  const user = store.findUser(email)!;
  const out: Snapshot[] = [];
  for (const box of await store.listMailboxes(user.id)) {
    const uids = await store.listUids(box.id);
    const metas = await store.getMeta(box.id, uids);
    const messages = [];
    for (const m of metas) {
      const raw = (await store.getRaw(box.id, m.uid))!;
      expect(raw.length).toBe(m.size);
      messages.push({ raw: raw.toString('base64'), flags: [...m.flags].sort(), internaldate: m.internaldate });
    }
    out.push({ name: box.name, subscribed: box.subscribed, specialUse: box.specialUse, messages });
  }
  return out;
}

async function seedSource(file: string): Promise<MailStore> {
  const store = openStore({ path: file });
  await seedDemo(store, { perUser: 40, now: NOW });
  const alice = store.findUser('alice@demo.test')!;
  const inbox = (await store.getMailbox(alice.id, 'INBOX'))!;
  const projects = await store.createMailbox(alice.id, PROJECTS);
  const rnd = await store.createMailbox(alice.id, RND);
  const dotted = await store.createMailbox(alice.id, DOTTED);
  await store.createMailbox(alice.id, 'Lists/Debian/Empty');
  // a plain folder called like another server's special folder stays a plain folder
  const spam = await store.createMailbox(alice.id, 'Spam');
  await store.append(spam.id, Buffer.from('From: s@b.test\r\nSubject: not junk\r\n\r\nx\r\n'), { internalDate: new Date('2022-02-02T02:02:02Z') });
  await store.setSubscribed(alice.id, PROJECTS, true);
  await store.setSubscribed(alice.id, DOTTED, true);
  await store.setSubscribed(alice.id, 'Junk', false);
  await store.storeFlags(inbox.id, [1, 2, 3], 'add', ['$Forwarded', 'Work', '\\Flagged']);
  await store.storeFlags(inbox.id, [4], 'set', ['\\Draft', '\\Answered', '\\Deleted', '$Label1']);
  await store.storeFlags(inbox.id, [5], 'set', []);
  await store.copy(inbox.id, [1, 6, 7], projects.id);
  await store.copy(inbox.id, [8], rnd.id);
  await store.append(dotted.id, Buffer.from('From: a@b.test\r\nSubject: dotted\r\n\r\nline\r\n'), { flags: ['Ärger-free', '\\Seen'], internalDate: new Date('2020-01-02T03:04:05.678Z') });
  // a message with bare LF line ends is kept with CRLF by the store
  await store.append(projects.id, Buffer.from('From: lf@b.test\nSubject: lf\n\nbody\n'), { internalDate: new Date('2021-05-06T07:08:09Z') });
  return store;
}

/** Decodes IMAP modified UTF-7 (test-only helper). */
function decodeMutf7(s: string): string {
  return s.replace(/&([^-]*)-/g, (_, b64: string) => (b64 === '' ? '&' : Buffer.from(b64.replace(/,/g, '/'), 'base64').swap16().toString('utf16le')));
}

describe('Maildir++ export and import', () => {
  const exportRoot = path.join(tmp, 'export');
  let source: MailStore;
  let sourceSnap: Map<string, Snapshot[]>;

  beforeAll(async () => {
    source = await seedSource(path.join(tmp, 'source.sqlite'));
    sourceSnap = new Map();
    for (const u of USERS) sourceSnap.set(u, await snapshot(source, u));
  });
  afterAll(() => source.close());

  it('exports in the Maildir++ layout Dovecot uses', async () => {
    const res = await exportMaildir(source, { root: exportRoot, users: USERS, hostname: 'mx.example:1/a' });
    expect(res.map((r) => r.email)).toEqual(USERS);
    const alice = sourceSnap.get('alice@demo.test')!;
    expect(res[0]!.messages).toBe(alice.reduce((n, b) => n + b.messages.length, 0));
    expect(res[0]!.warnings.some((w) => w.includes('v1.2'))).toBe(true);

    const dir = userMaildirPath(exportRoot, 'alice@demo.test');
    expect(dir).toBe(path.join(exportRoot, 'demo.test', 'alice'));
    const top = fs.readdirSync(dir).sort();
    expect(top).toEqual(expect.arrayContaining(['cur', 'new', 'tmp', 'subscriptions', 'dovecot-uidlist', 'dovecot-keywords', '.Sent', '.Projets', '.Projets.&AMk-t&AOk- 2026', '.R&-D', '.R&-D.&ANw-n&AO8-code &JxM-', '.Releases.v1\\2e2', '.Lists.Debian.Empty', '.Spam', '.Junk']));
    for (const sub of ['cur', 'new', 'tmp', 'maildirfolder']) expect(fs.existsSync(path.join(dir, '.Lists.Debian.Empty', sub))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'maildirfolder'))).toBe(false);
    expect(fs.readdirSync(path.join(dir, 'tmp'))).toEqual([]);

    const subs = fs.readFileSync(path.join(dir, 'subscriptions'), 'utf8').split('\n').filter(Boolean).sort();
    expect(subs).toEqual(['Archive', 'Drafts', 'INBOX', 'Projets.&AMk-t&AOk- 2026', 'Releases.v1\\2e2', 'Sent', 'Trash']);
    expect(fs.readFileSync(path.join(dir, 'dovecot-keywords'), 'utf8')).toBe('0 $Forwarded\n1 Work\n2 $Label1\n');

    const cur = fs.readdirSync(path.join(dir, 'cur'));
    const inbox = alice.find((b) => b.name === 'INBOX')!;
    expect(cur).toHaveLength(inbox.messages.length);
    for (const f of cur) expect(f).toMatch(/^\d+\.M\d+P\d+Q\d+\.mx\.example\\0721\\057a,S=(\d+),W=\1:2,[DFRST]*[a-z]*$/);
    const first = fs.readFileSync(path.join(dir, 'dovecot-uidlist'), 'utf8').split('\n');
    expect(first[0]).toMatch(/^3 V\d+ N\d+$/);
    const uid1 = first.find((l) => l.startsWith('1 :'))!.slice(3);
    const file1 = cur.find((f) => f.startsWith(uid1 + ':2,'))!;
    expect(file1.split(':2,')[1]).toBe('FSab'); // \Flagged \Seen $Forwarded Work
    const uid4 = first.find((l) => l.startsWith('4 :'))!.slice(3);
    expect(cur.find((f) => f.startsWith(uid4 + ':2,'))!.split(':2,')[1]).toBe('DRTc');
    const st = fs.statSync(path.join(dir, 'cur', file1));
    expect(Math.round(st.mtimeMs)).toBe(inbox.messages[0]!.internaldate);
    expect(fs.readFileSync(path.join(dir, 'cur', file1)).toString('base64')).toBe(inbox.messages[0]!.raw);

    await expect(exportMaildir(source, { root: exportRoot, users: ['alice@demo.test'] })).rejects.toThrow(MaildirError);
    await expect(exportMaildir(source, { root: path.join(tmp, 'x'), users: ['nobody@demo.test'] })).rejects.toThrow(/No such user/);
  });

  it('imports the export into a fresh store without losing anything, and a second import adds nothing', async () => {
    const target = openStore({ path: path.join(tmp, 'target.sqlite') });
    try {
      for (const u of USERS) target.createUser(u, 'pw');
      const res = await importMaildir(target, { root: exportRoot });
      expect(res.unknownUsers).toEqual([]);
      expect(res.users.map((u) => u.email).sort()).toEqual(USERS);
      for (const u of USERS) expect(await snapshot(target, u)).toEqual(sourceSnap.get(u));

      const again = await importMaildir(target, { root: exportRoot, users: ['alice@demo.test'] });
      expect(again.users[0]!.imported).toBe(0);
      expect(again.users[0]!.skipped).toBe(res.users.find((u) => u.email === 'alice@demo.test')!.imported);
      for (const u of USERS) expect(await snapshot(target, u)).toEqual(sourceSnap.get(u));
    } finally {
      target.close();
    }
  });

  it('reports Maildirs of users the store does not have and refuses unknown --user', async () => {
    const target = openStore({ path: ':memory:' });
    try {
      target.createUser('bob@demo.test', 'pw');
      const res = await importMaildir(target, { root: exportRoot });
      expect(res.unknownUsers).toEqual(['alice@demo.test']);
      expect(res.users.map((u) => u.email)).toEqual(['bob@demo.test']);
      await expect(importMaildir(target, { root: exportRoot, users: ['carol@demo.test'] })).rejects.toThrow(/No such user/);
      await expect(importMaildir(target, { root: path.join(tmp, 'missing') })).rejects.toThrow(MaildirError);
    } finally {
      target.close();
    }
  });

  it('imports a Maildir written the way Dovecot writes it', async () => {
    const dir = path.join(tmp, 'dovecot-written', 'example.org', 'carol');
    const write = (rel: string, content: string, mtime: Date) => {
      const file = path.join(dir, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
      fs.utimesSync(file, mtime, mtime);
    };
    const mk = (folder: string) => {
      for (const sub of ['cur', 'new', 'tmp']) fs.mkdirSync(path.join(dir, folder, sub), { recursive: true });
      if (folder) fs.writeFileSync(path.join(dir, folder, 'maildirfolder'), '');
    };
    const msg = (subject: string) => `Return-Path: <x@example.net>\nFrom: X <x@example.net>\nTo: carol@example.org\nSubject: ${subject}\nMessage-ID: <${subject.replace(/\W/g, '')}@example.net>\n\nHello ${subject}\n`;
    const d1 = new Date('2025-01-01T10:00:00Z');
    const d2 = new Date('2025-01-02T10:00:00Z');
    const d3 = new Date('2025-01-03T10:00:00Z');
    mk('');
    // Dovecot writes LF line ends; UIDs in dovecot-uidlist give the order (here not the file-name order)
    write('cur/1735725600.M1P100.mail,S=140,W=146:2,RSb', msg('second by uid'), d2);
    write('cur/1735639200.M2P100.mail,S=139,W=145:2,a', msg('first by uid'), d1);
    write('new/1735812000.M3P100.mail,S=130,W=136', msg('unseen new'), d3);
    write('tmp/1735812001.M4P100.mail', 'half-written', d3); // never imported
    fs.writeFileSync(path.join(dir, 'dovecot-keywords'), '0 $Forwarded\n1 Important\n');
    fs.writeFileSync(path.join(dir, 'dovecot-uidlist'), '3 V1735000000 N10 G0123456789abcdef0123456789abcdef\n5 :1735725600.M1P100.mail,S=140,W=146\n7 W145 :1735639200.M2P100.mail,S=139,W=145\n');
    mk('.Lists.Debian');
    write('.Lists.Debian/cur/1735639300.M5P100.mail,S=100:2,S', msg('debian-devel'), d1);
    mk('.Sent');
    write('.Sent/cur/1735639400.M6P100.mail:2,S', msg('sent one'), d1);
    mk('.Spam');
    write('.Spam/cur/1735639500.M7P100.mail:2,', msg('spam'), d1);
    mk('.Prüfung'); // a Maildir with raw UTF-8 names
    write('.Prüfung/new/1735639600.M8P100.mail', msg('pruefung'), d1);
    fs.writeFileSync(path.join(dir, 'subscriptions'), 'V\t2\n\nINBOX\nLists\tDebian\nSent\n');

    const store = openStore({ path: ':memory:' });
    try {
      store.createUser('carol@example.org', 'pw');
      const res = await importMaildir(store, { root: path.join(tmp, 'dovecot-written') });
      expect(res.users).toHaveLength(1);
      expect(res.users[0]).toMatchObject({ email: 'carol@example.org', imported: 7, skipped: 0, warnings: [] });
      const snap = await snapshot(store, 'carol@example.org');
      const byName = new Map(snap.map((s) => [s.name, s]));
      const text = (m: { raw: string }) => Buffer.from(m.raw, 'base64').toString();
      const inbox = byName.get('INBOX')!;
      expect(inbox.messages.map((m) => /Subject: (.*)\r\n/.exec(text(m))![1])).toEqual(['second by uid', 'first by uid', 'unseen new']);
      expect(text(inbox.messages[0]!)).toBe(msg('second by uid').replace(/\n/g, '\r\n'));
      expect(inbox.messages.map((m) => m.flags)).toEqual([['Important', '\\Answered', '\\Seen'], ['$Forwarded'], []]);
      expect(inbox.messages.map((m) => m.internaldate)).toEqual([d2.getTime(), d1.getTime(), d3.getTime()]);
      expect(byName.get('Lists/Debian')!.messages.map((m) => m.flags)).toEqual([['\\Seen']]);
      expect(byName.get('Lists/Debian')!.subscribed).toBe(true);
      expect(byName.has('Lists')).toBe(true);
      expect(byName.get('Sent')!.specialUse).toBe('\\Sent');
      expect(byName.get('Sent')!.messages).toHaveLength(1);
      expect(byName.get('Junk')!.messages).toHaveLength(1); // .Spam lands on the \Junk mailbox
      expect(byName.get('Junk')!.subscribed).toBe(false); // in the Maildir but not subscribed there
      expect(byName.has('Spam')).toBe(false);
      expect(byName.get(encodeMailboxName('Prüfung'))!.messages).toHaveLength(1);
      expect(byName.get('Trash')!.subscribed).toBe(true); // not in the Maildir: left alone

      const again = await importMaildir(store, { root: path.join(tmp, 'dovecot-written'), users: ['carol@example.org'] });
      expect(again.users[0]).toMatchObject({ imported: 0, skipped: 7 });
      expect(await snapshot(store, 'carol@example.org')).toEqual(snap);
    } finally {
      store.close();
    }
  });

  it('reports bad input in a Maildir without stopping the import', async () => {
    const root = path.join(tmp, 'bad-input');
    const dir = path.join(root, 'example.org', 'dave');
    for (const f of ['', '.Bad*Name', '.Fine']) for (const sub of ['cur', 'new', 'tmp']) fs.mkdirSync(path.join(dir, f, sub), { recursive: true });
    fs.writeFileSync(path.join(dir, 'cur', '1.M1P1.host:2,S'), '');
    fs.writeFileSync(path.join(dir, 'cur', '2.M1P1.host:2,zq'), 'Subject: unknown letters\n\nbody\n');
    fs.writeFileSync(path.join(dir, '.Bad*Name', 'cur', '3.M1P1.host:2,'), 'Subject: x\n\ny\n');
    fs.writeFileSync(path.join(dir, '.Fine', 'new', '4.M1P1.host'), 'Subject: fine\n\nz\n');
    fs.writeFileSync(path.join(dir, 'dovecot-uidlist'), 'garbage\n');
    fs.writeFileSync(path.join(dir, 'dovecot-keywords'), 'not a keyword line\n99 TooFar\n');
    const store = openStore({ path: ':memory:' });
    try {
      store.createUser('dave@example.org', 'pw');
      const res = await importMaildir(store, { root });
      const r = res.users[0]!;
      expect(r.imported).toBe(2);
      expect(r.warnings.some((w) => w.includes('empty file'))).toBe(true);
      expect(r.warnings.some((w) => w.includes('Bad*Name'))).toBe(true);
      const snap = await snapshot(store, 'dave@example.org');
      expect(snap.find((b) => b.name === 'INBOX')!.messages.map((m) => m.flags)).toEqual([[]]);
      expect(snap.find((b) => b.name === 'Fine')!.messages).toHaveLength(1);
    } finally {
      store.close();
    }
  });

  it('Dovecot serves the exported Maildir: folders, subscriptions, UIDs, flags, dates and bytes', async () => {
    const dovecot = await startDovecot(exportRoot);
    const client = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, auth: { user: 'alice@demo.test', pass: 'pw' }, logger: false });
    try {
      await client.connect();
      const alice = sourceSnap.get('alice@demo.test')!;
      const list = await client.list();
      const expectedPath = (name: string) => decodeMutf7(mailboxToMaildirName(name));
      expect(list.map((l) => l.path).sort()).toEqual(alice.map((b) => expectedPath(b.name)).sort());
      expect(list.filter((l) => l.subscribed).map((l) => l.path).sort()).toEqual(alice.filter((b) => b.subscribed).map((b) => expectedPath(b.name)).sort());
      expect(list.map((l) => l.path)).toContain('Projets.Été 2026');

      const sourceUser = source.findUser('alice@demo.test')!;
      for (const box of alice) {
        const info = (await source.getMailbox(sourceUser.id, box.name))!;
        const lock = await client.getMailboxLock(expectedPath(box.name));
        try {
          const mb = client.mailbox as { uidValidity: bigint; exists: number };
          expect(Number(mb.uidValidity)).toBe(info.uidvalidity);
          expect(mb.exists).toBe(box.messages.length);
          if (!box.messages.length) continue;
          const uids = await source.listUids(info.id);
          const got = [];
          for await (const m of client.fetch('1:*', { uid: true, flags: true, internalDate: true, source: true })) {
            got.push({ uid: m.uid, raw: m.source!.toString('base64'), flags: [...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort(), internaldate: Math.floor(new Date(m.internalDate!).getTime() / 1000) });
          }
          expect(got).toEqual(box.messages.map((m, i) => ({ uid: uids[i], raw: m.raw, flags: m.flags, internaldate: Math.floor(m.internaldate / 1000) })));
        } finally {
          lock.release();
        }
      }
    } finally {
      await client.logout().catch(() => undefined);
      await dovecot.stop();
    }
  });
});

// ---- Dovecot on a loopback high port, with a temporary configuration -------------------------

const APT_BUSY_WAIT_MS = 120_000;

async function which(cmd: string): Promise<string | null> {
  try {
    const { stdout } = await execFileP('sh', ['-c', `command -v ${cmd}`]);
    return stdout.trim() || null;
  } catch {
    return null;
  }
}

/** Finds dovecot, installing Debian's dovecot-imapd when absent and running as root; fails clearly otherwise. */
async function ensureDovecot(): Promise<string> {
  const found = (await which('dovecot')) ?? (fs.existsSync('/usr/sbin/dovecot') ? '/usr/sbin/dovecot' : null);
  if (found) return found;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error('dovecot is not installed and this test is not running as root, so it cannot install it: run `apt-get install -y dovecot-imapd` first');
  }
  const deadline = Date.now() + APT_BUSY_WAIT_MS;
  for (;;) {
    const { stdout } = await execFileP('sh', ['-c', 'pgrep -a -x "apt|apt-get|dpkg|aptitude|unattended-upgr" || true']);
    if (!stdout.trim()) break;
    if (Date.now() > deadline) throw new Error(`dovecot is not installed and apt/dpkg stays busy (${stdout.trim()}); install dovecot-imapd by hand`);
    await new Promise((r) => setTimeout(r, 2000));
  }
  try {
    await execFileP('apt-get', ['install', '-y', '--no-install-recommends', 'dovecot-imapd'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 240_000 });
  } catch (err) {
    throw new Error(`dovecot is not installed and \`apt-get install -y dovecot-imapd\` failed: ${(err as Error).message.slice(-800)}`);
  }
  const installed = (await which('dovecot')) ?? (fs.existsSync('/usr/sbin/dovecot') ? '/usr/sbin/dovecot' : null);
  if (!installed) throw new Error('dovecot is still missing after installing dovecot-imapd');
  return installed;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`dovecot exited (${child.exitCode}): ${stderr()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`dovecot did not listen on 127.0.0.1:${port}: ${stderr()}`);
}

/** Starts Dovecot in the foreground serving root/<domain>/<localpart>/ for any user with password "pw". */
async function startDovecot(mailRoot: string): Promise<{ port: number; stop(): Promise<void> }> {
  const bin = await ensureDovecot();
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-dovecot-'));
  const isRoot = process.getuid?.() === 0;
  // Dovecot refuses mail access as UID 0: as root the mail belongs to "nobody" for the test
  const uid = isRoot ? 65534 : process.getuid!();
  const gid = isRoot ? 65534 : process.getgid!();
  if (isRoot) {
    for (let p = mailRoot; p !== path.dirname(p); p = path.dirname(p)) {
      const mode = fs.statSync(p).mode;
      if ((mode & 0o005) !== 0o005) fs.chmodSync(p, mode | 0o005);
      if (p === os.tmpdir()) break;
    }
    await execFileP('chown', ['-R', `${uid}:${gid}`, mailRoot]);
  }
  const port = await freePort();
  const user = os.userInfo().username;
  const conf = path.join(base, 'dovecot.conf');
  fs.mkdirSync(path.join(base, 'run'));
  fs.mkdirSync(path.join(base, 'state'));
  fs.writeFileSync(conf, [
    'protocols = imap',
    'listen = 127.0.0.1',
    `base_dir = ${base}/run`,
    `state_dir = ${base}/state`,
    'log_path = /dev/stderr',
    'ssl = no',
    'disable_plaintext_auth = no',
    'auth_mechanisms = plain',
    'mail_location = maildir:~/',
    'first_valid_uid = 1',
    ...(isRoot ? [] : [`default_login_user = ${user}`, `default_internal_user = ${user}`]),
    'service imap-login {', '  chroot =', '  inet_listener imap {', '    address = 127.0.0.1', `    port = ${port}`, '  }', '}',
    'service anvil {', '  chroot =', '}',
    'passdb {', '  driver = static', '  args = password=pw', '}',
    'userdb {', '  driver = static', `  args = uid=${uid} gid=${gid} home=${mailRoot}/%d/%n`, '}',
    '',
  ].join('\n'));
  const child = spawn(bin, ['-F', '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  await waitForPort(port, child, () => stderr);
  return {
    port,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
}
