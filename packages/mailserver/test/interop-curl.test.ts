import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, which } from './support/run.js';
import { composeMessage, SIMPLE_PASS, startInteropServer, type InteropServer } from './support/server.js';

const USER = 'dave@interop.test';
let srv: InteropServer;
let tmp: string;
let base: string;
let hello: Buffer;

async function curl(...args: string[]) {
  return run('curl', ['-s', '--max-time', '20', '--user', `${USER}:${SIMPLE_PASS}`, ...args], { timeoutMs: 30_000 });
}

beforeAll(async () => {
  if (!(await which('curl'))) throw new Error('curl is not installed (Debian package curl): the IMAP interop test needs it');
  srv = await startInteropServer([{ email: USER, password: SIMPLE_PASS }]);
  base = `imap://127.0.0.1:${srv.port}`;
  tmp = mkdtempSync(path.join(tmpdir(), 'mailroom-curl-'));
  hello = await composeMessage({ from: 'Ann <ann@example.org>', to: USER, subject: 'hello curl', messageId: '<hello@interop.test>', text: 'Grüße from curl\r\nline two' });
  await srv.server.store.deliver(USER, hello);
});

afterAll(async () => {
  await srv?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("curl's IMAP client against the embedded IMAP server", () => {
  it('lists mailboxes and a single mailbox', async () => {
    const all = await curl(`${base}/`);
    expect(all.code).toBe(0);
    const names = all.stdout.trim().split(/\r?\n/).map((l) => /^\* LIST \(([^)]*)\) "\/" (.+)$/.exec(l)?.[2]);
    expect(names).toEqual(['INBOX', 'Archive', 'Drafts', 'Junk', 'Sent', 'Trash']);
    expect(all.stdout).toMatch(/^\* LIST \(\\HasNoChildren \\Sent\) "\/" Sent\r?$/m);

    const inbox = await curl(`${base}/INBOX`);
    expect(inbox.code).toBe(0);
    expect(inbox.stdout).toMatch(/^\* LIST \([^)]*\) "\/" INBOX\r?\n$/);
  });

  it('fetches a message by UID byte for byte, and a section of it', async () => {
    const r = await run('curl', ['-s', '--max-time', '20', '--user', `${USER}:${SIMPLE_PASS}`, `${base}/INBOX;UID=1`]);
    expect(r.code).toBe(0);
    expect(Buffer.from(r.stdout, 'utf8').equals(hello)).toBe(true);
    const text = await curl(`${base}/INBOX;UID=1;SECTION=TEXT`);
    const bodyStart = hello.indexOf('\r\n\r\n') + 4;
    expect(text.stdout).toBe(hello.subarray(bodyStart).toString('utf8'));
    expect(text.stdout).toContain('Gr=C3=BC=C3=9Fe from curl');
    const missing = await curl(`${base}/INBOX;UID=99`);
    expect(missing.code).not.toBe(0);
  });

  it('runs custom commands and URL searches', async () => {
    const r = await curl(`${base}/INBOX`, '-X', 'UID SEARCH ALL');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\* SEARCH 1\r?\n$/);
    const s = await curl(`${base}/INBOX?SUBJECT%20curl`);
    expect(s.stdout).toMatch(/^\* SEARCH 1\r?\n$/);
    const none = await curl(`${base}/INBOX?SUBJECT%20nothing-like-this`);
    expect(none.stdout).toMatch(/^\* SEARCH\r?\n$/);
    const ex = await curl(`${base}/`, '-X', 'EXAMINE INBOX');
    expect(ex.stdout).toMatch(/^\* 1 EXISTS/m);
    expect(ex.stdout).toMatch(/UIDVALIDITY \d+/);
  });

  it('uploads a message with -T and it lands in the mailbox unchanged', async () => {
    const file = path.join(tmp, 'upload.eml');
    const raw = 'From: up@example.org\r\nTo: dave@interop.test\r\nSubject: uploaded by curl\r\nMessage-ID: <up@interop.test>\r\n\r\nuploaded body\r\n';
    writeFileSync(file, raw);
    const r = await curl('-T', file, `${base}/INBOX`);
    expect(r.code).toBe(0);
    const uids = await curl(`${base}/INBOX`, '-X', 'UID SEARCH ALL');
    expect(uids.stdout).toMatch(/^\* SEARCH 1 2\r?\n$/);
    const back = await curl(`${base}/INBOX;UID=2`);
    expect(back.stdout).toBe(raw);
    const found = await curl(`${base}/INBOX?SUBJECT%20uploaded`);
    expect(found.stdout).toMatch(/^\* SEARCH 2\r?\n$/);
  });

  it('reports a wrong password as a login failure (curl exit 67)', async () => {
    const r = await run('curl', ['-s', '--max-time', '20', '--user', `${USER}:wrong`, `${base}/INBOX`]);
    expect(r.code).toBe(67);
  });
});
