/**
 * Hostile message content arriving over SMTP (the MX listener of startMailServer): pathological
 * headers and MIME structures must be accepted (or refused cleanly), indexed without stalling the
 * process, and served over IMAP afterwards (ENVELOPE, BODYSTRUCTURE, SEARCH, SORT, THREAD).
 */
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FuzzClient } from './support/fuzz-client.js';
import { SIMPLE_PASS, startInteropServer, type InteropServer } from './support/server.js';

const USER = 'target@interop.test';
let srv: InteropServer;

const nest = (depth: number, inner: string, wrap: (i: number, s: string) => string) => {
  let s = inner;
  for (let i = 0; i < depth; i++) s = wrap(i, s);
  return s;
};

const HOSTILE: Array<[string, string]> = [
  ['date of parentheses', `Date: ${'('.repeat(300_000)}\r\nSubject: d1\r\n\r\nbody\r\n`],
  ['date of spaces', `Date: x${' '.repeat(300_000)}y (z)\r\nSubject: d2\r\n\r\nbody\r\n`],
  ['subject of spaces', `Subject: re${' '.repeat(200_000)}x (fwd)\r\n\r\nbody\r\n`],
  ['subject of brackets', `Subject: ${'['.repeat(100_000)}\r\n\r\nbody\r\n`],
  ['address of angles', `From: ${'<'.repeat(100_000)}\r\nSubject: a1\r\n\r\nbody\r\n`],
  ['many recipients', `To: ${'a@b,'.repeat(25_000)}\r\nSubject: a2\r\n\r\nbody\r\n`],
  ['groups', `To: ${'g:a@b;'.repeat(10_000)}\r\nSubject: a3\r\n\r\nbody\r\n`],
  ['encoded words', `Subject: ${'=?utf-8?q?a?= '.repeat(20_000)}\r\n\r\nbody\r\n`],
  ['broken encoded words', `Subject: ${'=?'.repeat(50_000)}=?x?b?!!!?=\r\n\r\nbody\r\n`],
  ['content-type parameters', `Content-Type: text/plain; ${Array.from({ length: 10_000 }, (_, i) => `name*${i}*=a`).join('; ')}\r\nSubject: p\r\n\r\nbody\r\n`],
  ['many headers', `${'X-A: b\r\n'.repeat(50_000)}Subject: h\r\n\r\nbody\r\n`],
  ['many parts', `Subject: mp\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n${'--b\r\n\r\nx\r\n'.repeat(5_000)}--b--\r\n`],
  ['deep multipart', `Subject: deep\r\n${nest(2_000, 'x\r\n', (i, s) => `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n${s}\r\n--b${i}--\r\n`)}`],
  ['deep message/rfc822', `Subject: deep822\r\n${nest(2_000, 'Subject: in\r\n\r\nx\r\n', (_i, s) => `Content-Type: message/rfc822\r\n\r\n${s}`)}`],
  ['unterminated multipart', `Subject: unterminated\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/plain\r\n\r\nno end`],
  ['bad transfer encodings', `Subject: enc\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\nContent-Transfer-Encoding: base64\r\n\r\n${'!@#$'.repeat(50_000)}\r\n--q\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${'=\r\n=ZZ='.repeat(50_000)}\r\n--q--\r\n`],
  ['NUL and 8-bit bytes', `Subject: \x00\xff\xfe bin\r\nFrom: \x00@\xff\r\n\r\n\x00\x01\x02\xff\r\n`],
  ['header without body separator', `Subject: nosep`],
];

beforeAll(async () => {
  srv = await startInteropServer([{ email: USER, password: SIMPLE_PASS }]);
  srv.server.store.addDomain('interop.test');
});

afterAll(async () => {
  await srv?.close();
});

describe('hostile messages over SMTP', () => {
  it('accepts, indexes and serves them without stalling the server', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: srv.server.ports.smtp, secure: false, ignoreTLS: true, name: 'fuzz.example.org' });
    const refused: string[] = [];
    for (const [name, raw] of HOSTILE) {
      try {
        await transport.sendMail({ envelope: { from: 'fuzz@example.org', to: [USER] }, raw: Buffer.from(raw, 'latin1') });
      } catch (err) {
        // a clean SMTP refusal is acceptable; it must be a 4xx/5xx reply, not a dropped connection
        const code = (err as { responseCode?: number }).responseCode;
        if (!code || code < 400) throw new Error(`${name}: ${(err as Error).message}`);
        refused.push(name);
      }
    }
    transport.close();
    if (process.env.FUZZ_DEBUG) console.log('refused', refused);
    // the date cases are the regression for the quadratic Date parsing; they must be stored
    expect(refused).not.toContain('date of parentheses');
    expect(refused).not.toContain('date of spaces');

    const userId = srv.server.store.findUser(USER)!.id;
    const inbox = (await srv.server.store.getMailbox(userId, 'INBOX'))!;
    const count = (await srv.server.store.listUids(inbox.id)).length;
    expect(count).toBe(HOSTILE.length - refused.length);

    const c = new FuzzClient();
    await c.connect(srv.port);
    const ask = async (tag: string, cmd: string) => {
      const o = await c.exchange(tag, [{ line: Buffer.from(`${tag} ${cmd}\r\n`) }]);
      expect(o, cmd).toMatchObject({ kind: 'tagged', status: 'OK' });
      if (o.kind === 'tagged') expect(o.lines.filter((l) => /\[SERVERBUG\]|Internal (server )?error/.test(l)), cmd).toEqual([]);
      return o.lines;
    };
    await ask('a', `LOGIN ${USER} ${SIMPLE_PASS}`);
    expect(await ask('b', 'SELECT INBOX')).toContain(`* ${count} EXISTS`);
    const fetched = await ask('c', 'FETCH 1:* (UID ENVELOPE BODYSTRUCTURE RFC822.SIZE INTERNALDATE FLAGS)');
    expect(fetched.filter((l) => / FETCH \(/.test(l))).toHaveLength(count);
    await ask('d', 'FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT DATE)] BODY.PEEK[1.MIME] BODY.PEEK[TEXT]<0.100>)');
    await ask('e', 'SEARCH TEXT body');
    await ask('f', 'SEARCH OR SUBJECT re FROM a SENTSINCE 1-Jan-2000');
    await ask('g', 'SORT (DATE SUBJECT FROM TO CC SIZE) UTF-8 ALL');
    await ask('h', 'THREAD REFERENCES UTF-8 ALL');
    await ask('i', 'THREAD ORDEREDSUBJECT UTF-8 ALL');
    c.destroy();
  }, 240_000); // a cap for a loaded machine, not a performance assertion
});
