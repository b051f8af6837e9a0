// SORT=DISPLAY (RFC 5957) and CREATE-SPECIAL-USE (RFC 6154), on the raw protocol.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, RawClient, startTestServer, type TestServer } from './imap-helpers.js';

let srv: TestServer;
let raw: RawClient;

const msg = (from: string, to: string, subject: string) => `From: ${from}\r\nTo: ${to}\r\nSubject: ${subject}\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\n\r\nbody\r\n`;

beforeAll(async () => {
  srv = await startTestServer();
  const client = await connectClient(srv.port);
  // UIDs 1..5; display names decide DISPLAYFROM, not the addresses (which FROM uses)
  await client.append('INBOX', msg('"Zed Adams" <aaa@example.test>', 'Mia <zzz@example.test>', 'one'));
  await client.append('INBOX', msg('=?utf-8?q?=C3=84rger_Bob?= <zzz@example.test>', 'quinn@example.test', 'two'));
  await client.append('INBOX', msg('carol@example.test', '"alpha" <yyy@example.test>', 'three'));
  await client.append('INBOX', msg('"bob" <mmm@example.test>', 'Mia <aaa@example.test>', 'four'));
  await client.append('INBOX', msg('undisclosed:;, "Dave" <b@example.test>', '"" <nobody@example.test>', 'five'));
  await client.logout();
  raw = new RawClient();
  await raw.connect(srv.port);
  expect(await raw.command('l', 'LOGIN "alice@example.test" "correct horse battery staple"')).toMatch(/^l OK/m);
});

afterAll(async () => {
  raw?.close();
  await srv?.close();
});

describe('SORT=DISPLAY', () => {
  it('is advertised', async () => {
    const caps = await raw.command('c', 'CAPABILITY');
    expect(caps).toMatch(/ SORT=DISPLAY[ \r]/);
    expect(caps).toMatch(/ SORT[ \r]/);
  });

  it('sorts by the display name of the first From address, or its address when there is none', async () => {
    await raw.command('s', 'SELECT INBOX');
    // keys: "zed adams", "ärger bob" (decoded RFC 2047), "carol@example.test", "bob", "dave" (group skipped)
    expect(await raw.command('d1', 'SORT (DISPLAYFROM) UTF-8 ALL')).toMatch(/^\* SORT 4 3 5 1 2\r\n/m);
    expect(await raw.command('d2', 'SORT (REVERSE DISPLAYFROM) UTF-8 ALL')).toMatch(/^\* SORT 2 1 5 3 4\r\n/m);
    // plain FROM sorts by addr-mailbox: aaa, zzz, carol, mmm, b (group ignored)
    expect(await raw.command('d3', 'SORT (FROM) UTF-8 ALL')).toMatch(/^\* SORT 1 5 3 4 2\r\n/m);
  });

  it('sorts by DISPLAYTO with ties broken by the next key, then by sequence number', async () => {
    // keys: "mia", "quinn@example.test", "alpha", "mia", "nobody@example.test" (empty display name)
    expect(await raw.command('t1', 'SORT (DISPLAYTO) UTF-8 ALL')).toMatch(/^\* SORT 3 1 4 5 2\r\n/m);
    expect(await raw.command('t2', 'SORT (DISPLAYTO REVERSE SUBJECT) UTF-8 ALL')).toMatch(/^\* SORT 3 1 4 5 2\r\n/m);
    expect(await raw.command('t3', 'SORT (DISPLAYTO SUBJECT) UTF-8 ALL')).toMatch(/^\* SORT 3 4 1 5 2\r\n/m);
    expect(await raw.command('t4', 'UID SORT (DISPLAYTO) UTF-8 UID 2:4')).toMatch(/^\* SORT 3 4 2\r\n/m);
    expect(await raw.command('t5', 'SORT (DISPLAYTO) UTF-8 SUBJECT four')).toMatch(/^\* SORT 4\r\n/m);
  });

  it('rejects unknown keys', async () => {
    expect(await raw.command('b1', 'SORT (DISPLAYCC) UTF-8 ALL')).toMatch(/^b1 BAD/m);
    expect(await raw.command('b2', 'SORT (REVERSE) UTF-8 ALL')).toMatch(/^b2 BAD/m);
  });
});

describe('CREATE-SPECIAL-USE', () => {
  it('is advertised', async () => {
    expect(await raw.command('c', 'CAPABILITY')).toMatch(/ CREATE-SPECIAL-USE[ \r]/);
  });

  it('creates a mailbox with a special use that LIST reports', async () => {
    expect(await raw.command('m1', 'CREATE "Old mail" (USE (\\Archive))')).toMatch(/^m1 OK/m);
    const list = await raw.command('m2', 'LIST "" "Old mail"');
    expect(list).toMatch(/^\* LIST \([^)]*\\Archive[^)]*\) "\/" "Old mail"\r\n/m);
    const special = await raw.command('m3', 'LIST (SPECIAL-USE) "" "*"');
    expect(special).toMatch(/^\* LIST \([^)]*\\Archive[^)]*\) "\/" "Old mail"\r\n/m);
    expect(await raw.command('m4', 'CREATE Outbox2 (use (\\sent))')).toMatch(/^m4 OK/m);
    expect(await raw.command('m5', 'LIST "" Outbox2')).toMatch(/^\* LIST \([^)]*\\Sent[^)]*\) "\/" Outbox2\r\n/m);
  });

  it('answers NO [USEATTR] for a special use it cannot give, and creates nothing', async () => {
    expect(await raw.command('u1', 'CREATE Everything (USE (\\All))')).toMatch(/^u1 NO \[USEATTR\]/m);
    expect(await raw.command('u2', 'CREATE Both (USE (\\Sent \\Drafts))')).toMatch(/^u2 NO \[USEATTR\]/m);
    expect(await raw.command('u3', 'CREATE Bogus (USE (\\Nonsense))')).toMatch(/^u3 NO \[USEATTR\]/m);
    const list = await raw.command('u4', 'LIST "" "*"');
    expect(list).not.toMatch(/Everything|Both|Bogus/);
  });

  it('rejects malformed parameters with BAD', async () => {
    expect(await raw.command('p1', 'CREATE X1 (FOO (\\Archive))')).toMatch(/^p1 BAD/m);
    expect(await raw.command('p2', 'CREATE X2 (USE \\Archive)')).toMatch(/^p2 BAD/m);
    expect(await raw.command('p3', 'CREATE X3 USE')).toMatch(/^p3 BAD/m);
    expect(await raw.command('p4', 'CREATE X4 ()')).toMatch(/^p4 OK/m);
  });
});
