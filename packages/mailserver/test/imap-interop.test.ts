/** Interoperability with real clients other than imapflow: Python imaplib, curl, mbsync. */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compose, PASS, startTestServer, USER, type TestServer } from './imap-helpers.js';

const run = promisify(execFile);
let srv: TestServer;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-interop-'));

async function tool(cmd: string, args: string[], opts: { input?: string } = {}): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(cmd, args, { timeout: 30_000, maxBuffer: 16 * 1024 * 1024, ...opts });
  } catch (err) {
    const e = err as { code?: string; stdout?: string; stderr?: string; message: string };
    if (e.code === 'ENOENT') throw new Error(`${cmd} is not installed (Debian package: ${cmd === 'mbsync' ? 'isync' : cmd})`);
    throw new Error(`${cmd} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

beforeAll(async () => {
  srv = await startTestServer();
  await srv.store.deliver(USER, await compose({ from: 'Ann <ann@example.org>', to: USER, subject: 'Interop one', text: 'first message body' }), { flags: ['\\Seen'] });
  await srv.store.deliver(USER, await compose({ from: 'Ben <ben@example.org>', to: USER, subject: 'Interop two', text: 'second message body', attachments: [{ filename: 'a.txt', content: 'attached text' }] }));
  await srv.store.deliver(USER, await compose({ from: 'Ann <ann@example.org>', to: USER, subject: 'In Archive', text: 'archived' }), { mailbox: 'Archive' });
});

afterAll(async () => {
  await srv?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('IMAP interoperability', () => {
  it('works with Python imaplib', async () => {
    const script = `
import imaplib, sys, email
port = int(sys.argv[1])
m = imaplib.IMAP4('127.0.0.1', port)
m.login(sys.argv[2], sys.argv[3])
typ, boxes = m.list()
assert typ == 'OK', boxes
names = [b.decode() for b in boxes]
assert any('\\\\Sent' in n for n in names), names
typ, data = m.select('INBOX')
assert data[0] == b'2', data
typ, data = m.search(None, 'UNSEEN')
assert data[0] == b'2', data
typ, data = m.uid('SEARCH', None, 'FROM', '"ann"')
assert data[0] == b'1', data
typ, data = m.fetch('2', '(RFC822)')
msg = email.message_from_bytes(data[0][1])
assert msg['Subject'] == 'Interop two', msg['Subject']
assert msg.is_multipart()
typ, data = m.fetch('2', '(FLAGS)')
assert b'\\\\Seen' in data[0], data
typ, data = m.append('Sent', '(\\\\Seen)', imaplib.Time2Internaldate(0), b'From: a@b.example\\r\\nSubject: py\\r\\n\\r\\nhello\\r\\n')
assert typ == 'OK' and b'APPENDUID' in data[0], data
m.store('1', '+FLAGS', '\\\\Deleted')
typ, data = m.expunge()
assert data[0] == b'1', data
m.close()
m.logout()
print('ok')
`;
    const file = path.join(dir, 'client.py');
    fs.writeFileSync(file, script);
    const { stdout } = await tool('python3', [file, String(srv.port), USER, PASS]);
    expect(stdout.trim()).toBe('ok');
  });

  it('works with curl', async () => {
    const base = `imap://127.0.0.1:${srv.port}`;
    const auth = ['-s', '-u', `${USER}:${PASS}`];
    const list = await tool('curl', [...auth, `${base}/`]);
    expect(list.stdout).toMatch(/LIST \(.*\\Sent.*\) "\/" Sent/);
    const msg = await tool('curl', [...auth, `${base}/INBOX;UID=2`]);
    expect(msg.stdout).toContain('Subject: Interop two');
    const search = await tool('curl', [...auth, `${base}/INBOX`, '-X', 'UID SEARCH SUBJECT interop']);
    expect(search.stdout).toMatch(/SEARCH 2/);
  });

  it('syncs to a Maildir with mbsync', async () => {
    const maildir = path.join(dir, 'maildir');
    fs.mkdirSync(maildir);
    const rc = path.join(dir, 'mbsyncrc');
    fs.writeFileSync(rc, [
      'IMAPAccount test', 'Host 127.0.0.1', `Port ${srv.port}`, `User ${USER}`, `Pass "${PASS}"`, 'SSLType None', 'AuthMechs PLAIN', '',
      'IMAPStore remote', 'Account test', '',
      'MaildirStore local', `Path ${maildir}/`, `Inbox ${maildir}/INBOX`, 'SubFolders Verbatim', '',
      'Channel test', 'Far :remote:', 'Near :local:', 'Patterns *', 'Create Near', 'Sync Pull', 'SyncState *', '',
    ].join('\n'));
    await tool('mbsync', ['-c', rc, '-a']);
    const inbox = fs.readdirSync(path.join(maildir, 'INBOX', 'cur')).concat(fs.readdirSync(path.join(maildir, 'INBOX', 'new')));
    expect(inbox.length).toBe(1); // message 1 was expunged by the Python test
    const archive = fs.readdirSync(path.join(maildir, 'Archive', 'cur')).concat(fs.readdirSync(path.join(maildir, 'Archive', 'new')));
    expect(archive.length).toBe(1);
    const content = fs.readFileSync(path.join(maildir, 'Archive', fs.existsSync(path.join(maildir, 'Archive', 'cur', archive[0]!)) ? 'cur' : 'new', archive[0]!), 'utf8');
    expect(content).toContain('Subject: In Archive');
    expect(fs.existsSync(path.join(maildir, 'Sent'))).toBe(true);
  });
});
