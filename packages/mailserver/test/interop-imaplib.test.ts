import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from './support/run.js';
import { composeMessage, INTEROP_PASS, INTEROP_USER, startInteropServer, type InteropServer } from './support/server.js';

const SCRIPT = fileURLToPath(new URL('./support/imaplib-client.py', import.meta.url));

interface Step { cmd: string; typ: string; data: unknown[] }

let srv: InteropServer;
let tmp: string;
let first: Buffer;

beforeAll(async () => {
  srv = await startInteropServer([{ email: INTEROP_USER, password: INTEROP_PASS }]);
  tmp = mkdtempSync(path.join(tmpdir(), 'mailroom-imaplib-'));
  first = await composeMessage({
    from: 'Dana Sender <dana@example.org>',
    to: INTEROP_USER,
    subject: 'first message',
    messageId: '<first@interop.test>',
    date: new Date('2026-01-05T10:00:00Z'),
    text: 'Hello from the first message.',
  });
  const second = await composeMessage({
    from: 'Eve <eve@example.org>',
    to: [INTEROP_USER, 'Frank <frank@example.org>'],
    subject: 'second, with attachment',
    messageId: '<second@interop.test>',
    date: new Date('2026-01-06T10:00:00Z'),
    text: 'plain part',
    html: '<p>html part</p>',
    attachments: [{ filename: 'notes.txt', content: 'attached text\n', contentType: 'text/plain' }],
  });
  await srv.server.store.deliver(INTEROP_USER, first, { internalDate: new Date('2026-01-05T10:00:01Z') });
  await srv.server.store.deliver(INTEROP_USER, second, { internalDate: new Date('2026-01-06T10:00:01Z') });
});

afterAll(async () => {
  await srv?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("Python's imaplib against the embedded IMAP server", () => {
  it('runs a whole session and every response parses as expected', async () => {
    const appendFile = path.join(tmp, 'append.eml');
    writeFileSync(appendFile, 'From: py@example.org\r\nTo: carol@interop.test\r\nSubject: from imaplib\r\nMessage-ID: <py@interop.test>\r\n\r\nappended by python\r\n');
    const r = await run('python3', [SCRIPT, String(srv.port), INTEROP_USER, INTEROP_PASS, appendFile], { timeoutMs: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const steps = JSON.parse(r.stdout) as Step[];
    const step = (name: string): Step => {
      const s = steps.find((x) => x.cmd === name);
      if (!s) throw new Error(`no step ${name}`);
      return s;
    };
    const text = (name: string): string => (step(name).data as unknown[]).flat().join('\n');
    for (const s of steps) expect(s.typ, s.cmd).toBe(s.cmd === 'LOGOUT' ? 'BYE' : 'OK');

    expect(step('CAPS').data).toEqual(expect.arrayContaining(['IMAP4REV1', 'IDLE', 'UIDPLUS', 'LITERAL+']));
    const list = step('LIST').data as string[];
    expect(list).toContain('(\\HasNoChildren) "/" INBOX');
    expect(list).toContain('(\\HasNoChildren \\Sent) "/" Sent');
    expect(step('SELECT').data).toEqual(['2']);

    // RFC822: the exact stored bytes
    const rfc = step('FETCH_RFC822').data as unknown[];
    const pair = rfc[0] as [string, string];
    expect(pair[0]).toMatch(/^1 \(RFC822 \{\d+\}$/);
    expect(pair[1]).toBe(first.toString('utf8'));

    const bs = text('FETCH_BODYSTRUCTURE');
    expect(bs).toMatch(/BODYSTRUCTURE \(\(\(/i); // mixed( alternative( ...
    expect(bs).toMatch(/"ALTERNATIVE"/i);
    expect(bs).toMatch(/"MIXED"/i);
    expect(bs).toMatch(/\("TEXT" "PLAIN" \("NAME" "notes\.txt"\) NIL NIL "BASE64" 20 1 NIL \("ATTACHMENT" \("FILENAME" "notes\.txt"\)\)/);

    const env = text('FETCH_ENVELOPE');
    expect(env).toContain('first message');
    expect(env).toContain('(("Dana Sender" NIL "dana" "example.org"))');
    expect(env).toContain('<first@interop.test>');

    const subjects = (step('FETCH_SUBJECTS').data as unknown[]).filter(Array.isArray) as Array<[string, string]>;
    expect(subjects.map((p) => p[1].trim())).toEqual(['Subject: first message', 'Subject: second, with attachment']);
    // PEEK does not set \Seen
    expect(step('FETCH_FLAGS_AFTER_PEEK').data).toEqual(['2 (FLAGS (\\Recent))']);

    expect(step('UID_SEARCH_ALL').data).toEqual(['1 2']);
    expect(step('UID_SEARCH_SUBJECT').data).toEqual(['2']);
    expect(step('STORE').data).toEqual(['2 (FLAGS (\\Flagged \\Seen \\Recent))']);
    expect(step('UID_SEARCH_FLAGGED').data).toEqual(['2']);

    expect(text('APPEND')).toMatch(/APPENDUID \d+ 3/);
    const appended = text('FETCH_APPENDED');
    expect(appended).toMatch(/UID 3/);
    expect(appended).toMatch(/\\Seen/);
    expect(appended).toMatch(/\$Label1/);
    expect(appended).toMatch(/INTERNALDATE "29-Feb-2024 /);

    expect(step('CREATE').typ).toBe('OK');
    expect(text('COPY')).toMatch(/COPYUID \d+ 1:2 1:2/);
    expect(text('STATUS')).toMatch(/MESSAGES 2 UIDNEXT 3/);
    expect(step('EXPUNGE').data).toEqual(['1']);
    expect(step('UID_SEARCH_AFTER').data).toEqual(['2 3']);

    // the store agrees
    const userId = srv.server.store.findUser(INTEROP_USER)!.id;
    const box = await srv.server.store.getMailbox(userId, 'INBOX');
    expect(box).not.toBeNull();
    expect(await srv.server.store.listUids(box!.id)).toEqual([2, 3]);
    const archive = await srv.server.store.getMailbox(userId, 'Archive/2024');
    expect(await srv.server.store.listUids(archive!.id)).toEqual([1, 2]);
    expect((await srv.server.store.getRaw(archive!.id, 1))?.equals(first)).toBe(true);
  });
});
