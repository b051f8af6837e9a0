import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PASS, RawClient, startTestServer, USER, type TestServer } from './imap-helpers.js';

let srv: TestServer;
let c: RawClient;

const NESTED = [
  'From: "Quote \\"Q\\" Person" <q@example.org>',
  'To: undisclosed-recipients:;',
  'Subject: Fwd: inner',
  'Date: Tue, 3 Mar 2026 09:00:00 +0100',
  'Message-ID: <outer@example.org>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="outer"',
  '',
  'preamble',
  '--outer',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: 8bit',
  '',
  'See below. Grüße',
  '--outer',
  'Content-Type: message/rfc822',
  'Content-Disposition: attachment; filename="inner.eml"',
  '',
  'From: Inner <inner@example.org>',
  'Subject: inner',
  'Content-Type: multipart/alternative; boundary="inner"',
  '',
  '--inner',
  'Content-Type: text/plain',
  '',
  'inner text',
  '--inner',
  'Content-Type: text/html',
  '',
  '<p>inner html</p>',
  '--inner--',
  '',
  '--outer--',
  '',
].join('\r\n');

beforeAll(async () => {
  srv = await startTestServer();
  await srv.store.deliver(USER, Buffer.from(NESTED, 'utf8'), { internalDate: new Date('2026-03-03T08:00:00Z') });
});
afterAll(async () => {
  await srv?.close();
});
beforeEach(async () => {
  c = new RawClient();
  const greeting = await c.connect(srv.port);
  expect(greeting).toMatch(/^\* OK \[CAPABILITY IMAP4rev1 .*AUTH=PLAIN.*\]/);
});
afterEach(() => c.close());

async function login() {
  const r = await c.command('L', `LOGIN "${USER}" "${PASS}"`);
  expect(r).toMatch(/^L OK/m);
}

describe('IMAP protocol details (raw socket)', () => {
  it('answers malformed and out-of-state commands with BAD and keeps serving', async () => {
    expect(await c.command('a1', 'FROBNICATE')).toMatch(/^a1 BAD Unknown command/m);
    expect(await c.command('a2', 'SELECT INBOX')).toMatch(/^a2 BAD Not authenticated/m);
    expect(await c.command('a3', 'LOGIN "unterminated')).toMatch(/^a3 BAD /m);
    c.write('\r\n');
    c.write('nospace\r\n');
    await c.readUntil(/^nospace BAD .*\r\n/m);
    c.write('* NOOP\r\n');
    await c.readUntil(/^\* BAD .*\r\n/m);
    expect(await c.command('a4', 'LOGIN a')).toMatch(/^a4 BAD /m);
    await login();
    expect(await c.command('a5', 'FETCH 1 (FLAGS)')).toMatch(/^a5 BAD No mailbox selected/m);
    await c.command('a6', 'SELECT INBOX');
    expect(await c.command('a7', 'FETCH 1 (NOSUCHITEM)')).toMatch(/^a7 BAD /m);
    expect(await c.command('a8', 'FETCH 99 (FLAGS)')).toMatch(/^a8 BAD /m);
    expect(await c.command('a9', 'FETCH x:y FLAGS')).toMatch(/^a9 BAD /m);
    expect(await c.command('a10', 'SEARCH (SUBJECT')).toMatch(/^a10 BAD /m);
    expect(await c.command('a11', 'STORE 1 +FLAGS (\\Recent)')).toMatch(/^a11 BAD /m);
    expect(await c.command('a12', 'UID FETCH 1 BODY[1.HEADER.FIELDS]')).toMatch(/^a12 BAD /m);
    expect(await c.command('a13', 'NOOP')).toMatch(/^a13 OK/m);
  });

  it('survives a stream of garbage in every state', async () => {
    const junk = [
      'a FETCH 1 (BODY[', 'a SEARCH OR', 'a UID', 'a UID FROB 1', 'a LIST', 'a STORE 1 FLAGS', 'a APPEND INBOX {abc}', 'a SELECT "a\\"',
      'a FETCH 1 (BODY.PEEK[1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20.21.22.23.24.25.26.27.28.29.30.31.32.33])', 'a SEARCH ' + '('.repeat(200),
      'a STATUS INBOX (FOO)', 'a FETCH 1:* BODY.PEEK[HEADER.FIELDS ()]', 'a COPY 1', 'a ENABLE', 'a ID (', '\x00\x01\x02', 'a CREATE ""', 'a RENAME INBOX INBOX',
      'a SEARCH SINCE 32-Foo-2020', 'a SEARCH LARGER x', 'a FETCH 1 BODY[]<5.0>', 'a STORE 1 +FLAGS (\\Bogus)', 'a UID EXPUNGE', 'a MOVE 1 Nowhere',
    ];
    for (const state of ['not-authenticated', 'authenticated', 'selected']) {
      if (state === 'authenticated') await login();
      if (state === 'selected') await c.command('s', 'SELECT INBOX');
      for (const line of junk) {
        c.write(line + '\r\n');
        await c.readUntil(/^(a|\*) (BAD|NO|OK)[^\r]*\r\n/m);
      }
      expect(await c.command('z', 'NOOP')).toMatch(/^z OK/m);
    }
  });

  it('rejects bad credentials with NO [AUTHENTICATIONFAILED]', async () => {
    expect(await c.command('a1', `LOGIN ${USER} wrong`)).toMatch(/^a1 NO \[AUTHENTICATIONFAILED\]/m);
    expect(await c.command('a2', `LOGIN nobody@example.test wrong`)).toMatch(/^a2 NO \[AUTHENTICATIONFAILED\]/m);
  });

  it('supports AUTHENTICATE PLAIN with SASL-IR and with a continuation', async () => {
    const token = Buffer.from(`\0${USER}\0${PASS}`).toString('base64');
    expect(await c.command('a1', `AUTHENTICATE PLAIN ${token}`)).toMatch(/^a1 OK/m);
    const d = new RawClient();
    await d.connect(srv.port);
    d.write('b1 AUTHENTICATE PLAIN\r\n');
    await d.readUntil(/^\+ ?\r\n/m);
    d.write(token + '\r\n');
    expect(await d.readUntil(/^b1 (OK|NO|BAD).*\r\n/m)).toMatch(/^b1 OK/m);
    d.write('b2 AUTHENTICATE PLAIN\r\n');
    await d.readUntil(/^b2 BAD .*\r\n/m); // already authenticated
    d.close();
  });

  it('accepts synchronizing and non-synchronizing literals', async () => {
    c.write(`a1 LOGIN {${USER.length}}\r\n`);
    await c.readUntil(/^\+ .*\r\n/m);
    c.write(`${USER} {${PASS.length}+}\r\n${PASS}\r\n`);
    expect(await c.readUntil(/^a1 (OK|NO|BAD).*\r\n/m)).toMatch(/^a1 OK/m);
    const msg = 'From: me@example.test\r\nSubject: literal+\r\n\r\nbody\r\n';
    c.write(`a2 APPEND Drafts (\\Draft) " 4-Mar-2026 10:00:00 +0100" {${msg.length}+}\r\n${msg}\r\n`);
    const r = await c.readUntil(/^a2 (OK|NO|BAD).*\r\n/m);
    expect(r).toMatch(/^a2 OK \[APPENDUID \d+ 1\]/m);
    await c.command('a3', 'SELECT Drafts');
    const f = await c.command('a4', 'FETCH 1 (FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])');
    expect(f).toContain('INTERNALDATE " 4-Mar-2026 09:00:00 +0000"');
    expect(f).toContain(`RFC822.SIZE ${msg.length}`);
    expect(f).toContain(`BODY[] {${msg.length}}\r\n${msg})`);
    expect(f).toMatch(/FLAGS \(\\Draft \\Recent\)/);
  });

  it('refuses an oversized literal without reading it, and survives', async () => {
    c.write('a1 LOGIN {99999999}\r\n');
    expect(await c.readUntil(/^a1 .*\r\n/m)).toMatch(/^a1 BAD Literal too large/m);
    expect(await c.command('a2', 'NOOP')).toMatch(/^a2 OK/m);
  });

  it('returns exact BODYSTRUCTURE and ENVELOPE for nested message/rfc822', async () => {
    await login();
    await c.command('s', 'EXAMINE INBOX');
    const r = await c.command('f', 'FETCH 1 (ENVELOPE BODYSTRUCTURE)');
    expect(r).toContain(
      'ENVELOPE ("Tue, 3 Mar 2026 09:00:00 +0100" "Fwd: inner" (("Quote \\"Q\\" Person" NIL "q" "example.org")) (("Quote \\"Q\\" Person" NIL "q" "example.org")) (("Quote \\"Q\\" Person" NIL "q" "example.org")) ((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL)) NIL NIL NIL "<outer@example.org>")'.replace('((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL))', '((NIL NIL "undisclosed-recipients" NIL) (NIL NIL NIL NIL))'),
    );
    const inner = '("TEXT" "PLAIN" NIL NIL NIL "7BIT" 10 1 NIL NIL NIL NIL) ("TEXT" "HTML" NIL NIL NIL "7BIT" 17 1 NIL NIL NIL NIL) "ALTERNATIVE" ("BOUNDARY" "inner") NIL NIL NIL';
    expect(r).toContain(`("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "8BIT" 18 1 NIL NIL NIL NIL)`);
    expect(r).toContain(`("MESSAGE" "RFC822" NIL NIL NIL "7BIT" `);
    expect(r).toContain(`(${inner})`);
    expect(r).toContain('("ATTACHMENT" ("FILENAME" "inner.eml"))');
    expect(r).toContain('"MIXED" ("BOUNDARY" "outer") NIL NIL NIL)');
  });

  it('serves sections of nested parts and sets \\Seen on non-peek fetch', async () => {
    await login();
    await c.command('s', 'SELECT INBOX');
    let r = await c.command('f1', 'FETCH 1 (BODY.PEEK[2.1.1] BODY.PEEK[2.HEADER.FIELDS (SUBJECT)] BODY.PEEK[2.2]<3.5> BODY.PEEK[1.MIME])');
    expect(r).toContain('BODY[2.1.1] {10}\r\ninner text');
    expect(r).toContain('BODY[2.HEADER.FIELDS (SUBJECT)] {18}\r\nSubject: inner\r\n\r\n');
    expect(r).toContain('BODY[2.2]<3> {5}\r\ninner');
    expect(r).toContain('BODY[1.MIME] {76}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n');
    expect(r).not.toContain('\\Seen');
    r = await c.command('f2', 'FETCH 1 (BODY[1])');
    expect(r).toMatch(/BODY\[1\] \{18\}\r\nSee below\. Gr/);
    expect(r).toMatch(/FLAGS \(\\Seen( \\Recent)?\)/);
    r = await c.command('f3', 'FETCH 1 (BODY.PEEK[HEADER.FIELDS.NOT (FROM TO DATE MESSAGE-ID MIME-VERSION CONTENT-TYPE)] BODY.PEEK[]<100000.10> BODY.PEEK[9])');
    expect(r).toContain('BODY[HEADER.FIELDS.NOT (FROM TO DATE MESSAGE-ID MIME-VERSION CONTENT-TYPE)] {23}\r\nSubject: Fwd: inner\r\n\r\n');
    expect(r).toContain('BODY[]<100000> {0}\r\n');
    expect(r).toContain('BODY[9] NIL');
    await c.command('u', 'STORE 1 -FLAGS.SILENT (\\Seen)');
  });

  it('handles EXAMINE read-only, RFC822.HEADER/TEXT, CHECK, UNSELECT, CLOSE and UNSUBSCRIBE', async () => {
    await login();
    let r = await c.command('e', 'EXAMINE INBOX');
    expect(r).toMatch(/^e OK \[READ-ONLY\]/m);
    expect(r).toMatch(/^\* OK \[PERMANENTFLAGS \(\)\]/m);
    expect(await c.command('s1', 'STORE 1 +FLAGS (\\Flagged)')).toMatch(/^s1 NO \[READ-ONLY\]/m);
    r = await c.command('f', 'FETCH 1 (RFC822.HEADER RFC822.TEXT)');
    const raw = Buffer.from(NESTED, 'utf8');
    const split = raw.indexOf('\r\n\r\n') + 4;
    expect(r).toContain(`RFC822.HEADER {${split}}\r\nFrom: "Quote`);
    expect(r).toContain(`RFC822.TEXT {${raw.length - split}}\r\npreamble`);
    expect(r).not.toMatch(/\\Seen/); // EXAMINE never sets \Seen
    expect(await c.command('ck', 'CHECK')).toMatch(/^ck OK/m);
    expect(await c.command('un', 'UNSELECT')).toMatch(/^un OK/m);
    expect(await c.command('f2', 'FETCH 1 (FLAGS)')).toMatch(/^f2 BAD/m);
    // CLOSE expunges \Deleted messages silently
    const msg = 'Subject: to be closed\r\n\r\nbye\r\n';
    c.write(`a APPEND Junk (\\Deleted) {${msg.length}+}\r\n${msg}\r\n`);
    await c.readUntil(/^a OK.*\r\n/m);
    r = await c.command('sj', 'SELECT Junk');
    expect(r).toMatch(/^\* 1 EXISTS/m);
    r = await c.command('cl', 'CLOSE');
    expect(r).not.toContain('EXPUNGE');
    expect(await c.command('st', 'STATUS Junk (MESSAGES)')).toContain('(MESSAGES 0)');
    await c.command('us', 'UNSUBSCRIBE Junk');
    expect(await c.command('ls', 'LSUB "" "*"')).not.toContain(' Junk\r\n');
  });

  it('threads by REFERENCES and ORDEREDSUBJECT', async () => {
    await login();
    await c.command('cr', 'CREATE Threads');
    const mk = (n: number, subject: string, extra: string[]) => [`Subject: ${subject}`, `Date: Mon, ${n} Mar 2026 10:00:00 +0000`, ...extra, '', `body ${n}`, ''].join('\r\n');
    const msgs = [
      mk(1, 'Hello', ['Message-ID: <a@x>']),
      mk(2, 'Re: Hello', ['Message-ID: <r1@x>', 'In-Reply-To: <a@x>', 'References: <a@x>']),
      mk(3, 'Other', ['Message-ID: <c@x>']),
      mk(4, 'Re: Hello', ['Message-ID: <r2@x>', 'References: <a@x> <missing@x>']),
      mk(5, 'Re: Other', ['Message-ID: <r3@x>']),
    ];
    for (const m of msgs) {
      c.write(`a APPEND Threads {${m.length}+}\r\n${m}\r\n`);
      await c.readUntil(/^a OK.*\r\n/m);
    }
    await c.command('s', 'SELECT Threads');
    expect(await c.command('t1', 'UID THREAD REFERENCES UTF-8 ALL')).toContain('* THREAD (1 (2)(4))(3 5)\r\n');
    expect(await c.command('t2', 'THREAD ORDEREDSUBJECT UTF-8 ALL')).toContain('* THREAD (1 (2)(4))(3 5)\r\n');
    expect(await c.command('t3', 'THREAD REFERENCES UTF-8 SUBJECT other')).toContain('* THREAD (3 5)\r\n');
    expect(await c.command('t4', 'THREAD BOGUS UTF-8 ALL')).toMatch(/^t4 BAD/m);
  });

  it('quotes safe strings and sends unsafe ones as literals', async () => {
    await login();
    await c.command('s', 'SELECT INBOX');
    // subject with 8-bit characters in a raw header must go out as a literal
    const msg = Buffer.from('From: a@example.org\r\nSubject: Ünïcode "quoted"\r\n\r\nx\r\n', 'utf8');
    c.write(`a1 APPEND INBOX {${msg.length}}\r\n`);
    await c.readUntil(/^\+ .*\r\n/m);
    c.write(Buffer.concat([msg, Buffer.from('\r\n')]));
    await c.readUntil(/^a1 OK.*\r\n/m);
    const r = await c.command('f', 'UID FETCH 2 (ENVELOPE)');
    const subjectBytes = Buffer.byteLength('Ünïcode "quoted"');
    expect(r).toContain(`NIL {${subjectBytes}}\r\nÜnïcode "quoted" ((NIL NIL "a" "example.org"))`.replace(/Ü|ï/g, (m) => Buffer.from(m).toString('latin1')));
  });

  it('handles LIST patterns, LSUB, NAMESPACE, STATUS, ID, ENABLE and UID SEARCH', async () => {
    await login();
    let r = await c.command('l1', 'LIST "" ""');
    expect(r).toContain('* LIST (\\Noselect) "/" ""');
    await c.command('cr', 'CREATE "Folder With Space/Child"');
    r = await c.command('l2', 'LIST "" %');
    expect(r).toContain('* LIST (\\HasChildren) "/" "Folder With Space"');
    expect(r).not.toContain("Space/Child");
    expect(r).toContain('* LIST (\\HasNoChildren \\Sent) "/" Sent');
    r = await c.command('l3', 'LIST "" "*Child"');
    expect(r).toContain('* LIST (\\HasNoChildren) "/" "Folder With Space/Child"');
    r = await c.command('l4', 'LIST "" inbox');
    expect(r).toContain('* LIST (\\HasNoChildren) "/" INBOX');
    await c.command('sub', 'SUBSCRIBE "Folder With Space/Child"');
    r = await c.command('l5', 'LSUB "" "*"');
    expect(r).toContain('"Folder With Space/Child"');
    expect(r).not.toContain('"Folder With Space"\r\n');
    r = await c.command('l5b', 'LSUB "" "%"');
    expect(r).toContain('* LSUB (\\Noselect \\HasChildren) "/" "Folder With Space"');
    expect(await c.command('e', 'ENABLE CONDSTORE')).toContain('* ENABLED CONDSTORE');
    r = await c.command('l7', 'LIST (SUBSCRIBED RECURSIVEMATCH) "" "Folder*"');
    expect(r).toContain('* LIST (\\HasChildren) "/" "Folder With Space" ("CHILDINFO" ("SUBSCRIBED"))');
    expect(r).toContain('* LIST (\\HasNoChildren \\Subscribed) "/" "Folder With Space/Child"');
    r = await c.command('l8', 'LIST (SPECIAL-USE) "" "*" RETURN (SUBSCRIBED CHILDREN)');
    expect(r).toContain('* LIST (\\HasNoChildren \\Trash \\Subscribed) "/" Trash');
    expect(r).not.toContain('INBOX');
    expect(await c.command('l9', 'LIST (BOGUS) "" "*"')).toMatch(/^l9 BAD/m);
    r = await c.command('l6', 'LIST "" "*" RETURN (STATUS (MESSAGES UNSEEN SIZE))');
    expect(r).toMatch(/^\* STATUS INBOX \(MESSAGES \d+ UNSEEN \d+ SIZE \d+\)/m);
    expect(await c.command('n', 'NAMESPACE')).toContain('* NAMESPACE (("" "/")) NIL NIL');
    expect(await c.command('st', 'STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN RECENT HIGHESTMODSEQ)')).toMatch(/^\* STATUS INBOX \(MESSAGES \d+ UIDNEXT \d+ UIDVALIDITY \d+ UNSEEN \d+ RECENT \d+ HIGHESTMODSEQ \d+\)/m);
    expect(await c.command('i', 'ID ("name" "test")')).toContain('* ID ("name" "Mailroom"');
    await c.command('s', 'SELECT INBOX');
    r = await c.command('q', 'UID SEARCH CHARSET UTF-8 OR (SUBJECT "fwd") (BODY "nothing-like-this") NOT DELETED');
    expect(r).toMatch(/^\* SEARCH 1( |\r)/m);
    r = await c.command('q2', 'SEARCH RETURN (MIN MAX COUNT) ALL');
    expect(r).toMatch(/^\* ESEARCH \(TAG "q2"\) MIN 1 MAX \d+ COUNT \d+/m);
    r = await c.command('q3', 'UID SORT (REVERSE ARRIVAL) UTF-8 ALL');
    expect(r).toMatch(/^\* SORT (\d+ )*1\r\n/m);
    r = await c.command('c1', 'UID FETCH 1 (FLAGS) (CHANGEDSINCE 1)');
    expect(r).toMatch(/MODSEQ \(\d+\)/);
    expect(await c.command('dl', 'DELETE "Folder With Space"')).toMatch(/^dl NO/m);
    expect(await c.command('x', 'RENAME INBOX "Old Inbox"')).toMatch(/^x OK/m);
    r = await c.command('st2', 'STATUS "Old Inbox" (MESSAGES)');
    expect(r).toMatch(/MESSAGES [1-9]/);
    expect(await c.command('lo', 'LOGOUT')).toMatch(/^\* BYE/m);
  });
});
