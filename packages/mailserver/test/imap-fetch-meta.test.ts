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
