import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASS, RawClient, startTestServer, USER, type TestServer } from './imap-helpers.js';

let srv: TestServer;

const msg = (i: number) => Buffer.from(`From: a@example.org\r\nSubject: m${i}\r\nDate: Tue, 3 Mar 2026 09:00:00 +0000\r\n\r\nbody ${i}\r\n`);

beforeAll(async () => {
  srv = await startTestServer();
  for (let i = 0; i < 12; i++) {
    await srv.store.deliver(USER, msg(i), { flags: i % 3 === 0 ? ['\\Seen', '$Label'] : i % 3 === 1 ? ['\\Flagged'] : [], internalDate: new Date(Date.UTC(2026, 2, 3 + i, 8, 5, 9)) });
  }
});
afterAll(async () => {
  await srv?.close();
});

/** FETCH lines without the BODY[...] item, keyed by sequence number. */
function lines(r: string): string[] {
  // the empty header section is a 2-byte literal ("\r\n")
  return r.split(' BODY[HEADER.FIELDS (X-NONE)] {2}\r\n\r\n').join('').split('\r\n').filter((l) => l.startsWith('* ') && l.includes(' FETCH '));
}

describe('FETCH of metadata only', () => {
  it('answers exactly like the general FETCH path, item order and de-duplication included', async () => {
    const c = new RawClient();
    await c.connect(srv.port);
    expect(await c.command('L', `LOGIN "${USER}" "${PASS}"`)).toMatch(/^L OK/m);
    expect(await c.command('S', 'SELECT INBOX')).toMatch(/^S OK/m);
    await c.command('E', 'ENABLE CONDSTORE');
    for (const [cmd, items] of [
      ['FETCH', '1:* (FLAGS)'],
      ['UID FETCH', '1:* (FLAGS)'],
      ['FETCH', '2:5 (RFC822.SIZE UID FLAGS INTERNALDATE MODSEQ UID FLAGS)'],
      ['UID FETCH', '3,7:* (INTERNALDATE FLAGS)'],
      ['FETCH', '1:* FAST'],
      ['FETCH', '1:4 (FLAGS) (CHANGEDSINCE 1)'],
    ] as const) {
      const fast = lines(await c.command('F', `${cmd} ${items}`));
      const general = lines(await c.command('G', `${cmd} ${items.replace(/^(\S+) \(([^)]*)\)|^(\S+) FAST/, (_m, set, list, set2) => (set2 ? `${set2} (FLAGS INTERNALDATE RFC822.SIZE` : `${set} (${list}`) + ' BODY.PEEK[HEADER.FIELDS (X-NONE)])')}`));
      expect(fast.length).toBeGreaterThan(0);
      expect(fast).toEqual(general);
    }
    const one = await c.command('O', 'FETCH 1 (UID FLAGS)');
    expect(one).toMatch(/^\* 1 FETCH \(UID 1 FLAGS \(\\Seen \$Label \\Recent\)\)\r$/m);
    c.close();
  });
});

describe('FETCH of ENVELOPE, BODYSTRUCTURE and BODY from the structure cache', () => {
  const tricky = [
    // quotes and backslashes in quoted strings, an 8-bit subject (a literal), groups and several addresses
    Buffer.from('From: "Ann \\"the\\" Admin" <ann@example.org>\r\nTo: undisclosed-recipients:;, bob@example.test, "C\\\\D" <cd@example.test>\r\nCc: team: x@example.test, y@example.test;\r\nSubject: Grüße aus Köln — \\ "quoted"\r\nDate: Tue, 3 Mar 2026 09:00:00 +0000\r\nMessage-ID: <m1@example.org>\r\nIn-Reply-To: <m0@example.org>\r\n\r\nbody\r\n', 'utf8'),
    // a subject longer than a quoted string may be
    Buffer.from(`From: a@example.org\r\nSubject: ${'long '.repeat(300)}\r\n\r\nx\r\n`),
    // multipart with an attachment and an attached message
    Buffer.from([
      'From: a@example.org', 'To: b@example.test', 'Subject: parts', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="B1"', '',
      '--B1', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '', 'hall=C3=B6', '',
      '--B1', 'Content-Type: application/pdf; name="r\\"eport.pdf"', 'Content-Disposition: attachment; filename="report.pdf"', 'Content-Transfer-Encoding: base64', '', 'JVBERi0=', '',
      '--B1', 'Content-Type: message/rfc822', '', 'From: inner@example.org', 'Subject: inner', '', 'inner body', '',
      '--B1--', '',
    ].join('\r\n')),
    // no headers worth the name
    Buffer.from('\r\njust a body\r\n'),
  ];

  it('answers exactly like the general FETCH path, before and after the cache has the messages', async () => {
    for (const raw of tricky) await srv.store.deliver(USER, raw, { mailbox: 'Archive', flags: ['\\Seen'] });
    const c = new RawClient();
    await c.connect(srv.port);
    expect(await c.command('L', `LOGIN "${USER}" "${PASS}"`)).toMatch(/^L OK/m);
    expect(await c.command('S', 'SELECT Archive')).toMatch(/^S OK/m);
    const items = ['UID FLAGS ENVELOPE RFC822.SIZE', 'BODYSTRUCTURE', 'BODY INTERNALDATE ENVELOPE', 'ENVELOPE BODYSTRUCTURE BODY UID MODSEQ'];
    for (const round of [1, 2]) {
      for (const list of items) {
        const fast = await c.command('F', `FETCH 1:* (${list})`);
        const general = await c.command('G', `FETCH 1:* (${list} BODY.PEEK[HEADER.FIELDS (X-NONE)])`);
        expect(fast, `round ${round}: ${list}`).toMatch(/^F OK/m);
        expect(fast.match(/^\* \d+ FETCH /gm), list).toHaveLength(tricky.length);
        expect(fast.replace(/^F OK.*$/m, '')).toBe(general.split(' BODY[HEADER.FIELDS (X-NONE)] {2}\r\n\r\n').join('').replace(/^G OK.*$/m, ''));
      }
    }
    // a literal in the ENVELOPE (the 8-bit subject) carries its byte count (RawClient reads latin1)
    const subject = Buffer.from('Grüße aus Köln — \\ "quoted"', 'utf8');
    const one = await c.command('O', 'UID FETCH 1 (ENVELOPE)');
    expect(one).toContain(`{${subject.length}}\r\n${subject.toString('latin1')}`);
    c.close();
  });
});
