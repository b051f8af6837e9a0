import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailStore } from '../src/store/index.js';
import type { SmtpListener } from '../src/smtp/listener.js';
import { mailbox } from './queue-helpers.js';
import { RawSmtp, startCarolDaveMx } from './relay-helpers.js';

// SMTP smuggling: end-of-data lookalikes with a bare LF or bare CR never end DATA, never let a
// second message through, and the message carrying them is refused (so it cannot be relayed to
// a server that would split it).
let store: MailStore;
let mx: SmtpListener;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ store, mx, stop } = await startCarolDaveMx('mailroom-smuggle-'));
});

afterAll(async () => {
  await stop?.();
});

const SMUGGLED =
  'MAIL FROM:<ceo@bank.example>\r\nRCPT TO:<dave@example.test>\r\nDATA\r\n' +
  'From: ceo@bank.example\r\nSubject: smuggled\r\n\r\nwire the money\r\n';

const TRICKS: Array<[string, string]> = [
  ['LF . LF', '\n.\n'],
  ['CRLF . LF', '\r\n.\n'],
  ['LF . CRLF', '\n.\r\n'],
  ['CR . CR', '\r.\r'],
  ['CR . CRLF', '\r.\r\n'],
];

describe('SMTP smuggling on the MX port', () => {
  for (const [name, ending] of TRICKS) {
    it(`one DATA stays one message and is refused: ${name}`, async () => {
      const daveBefore = (await mailbox(store, 'dave@example.test')).length;
      const carolBefore = (await mailbox(store, 'carol@example.test')).length;
      const { client } = await RawSmtp.connect(mx.port);
      try {
        await client.command('EHLO attacker.example');
        expect((await client.command('MAIL FROM:<attacker@evil.example>')).code).toBe(250);
        expect((await client.command('RCPT TO:<carol@example.test>')).code).toBe(250);
        expect((await client.command('DATA')).code).toBe(354);
        client.write(`From: attacker@evil.example\r\nSubject: innocent\r\n\r\nhello${ending}${SMUGGLED}.\r\n`);
        const end = await client.reply();
        expect(end.code, end.text).toBe(550);
        expect(end.text).toContain('5.5.2');
        // the next reply belongs to NOOP: no reply to a smuggled MAIL/RCPT/DATA was pending
        const noop = await client.command('NOOP');
        expect(noop.code).toBe(250);
        expect(noop.text).not.toMatch(/^354/m);
      } finally {
        client.close();
      }
      expect(await mailbox(store, 'dave@example.test')).toHaveLength(daveBefore);
      expect(await mailbox(store, 'carol@example.test')).toHaveLength(carolBefore);
    });
  }

  it('accepts bare LFs that are not next to a lone dot, as one message', async () => {
    const before = (await mailbox(store, 'carol@example.test')).length;
    const { client } = await RawSmtp.connect(mx.port);
    try {
      await client.command('EHLO sloppy.example');
      await client.command('MAIL FROM:<sloppy@sloppy.example>');
      await client.command('RCPT TO:<carol@example.test>');
      expect((await client.command('DATA')).code).toBe(354);
      client.write('From: sloppy@sloppy.example\r\nSubject: bare lf\r\n\r\nline one\nline two\n..not a terminator\r\n.\r\n');
      expect((await client.reply()).code).toBe(250);
    } finally {
      client.close();
    }
    const after = await mailbox(store, 'carol@example.test');
    expect(after).toHaveLength(before + 1);
    // (the store may normalise the bare LFs to CRLF; the dot-stuffing was undone once)
    expect(after[after.length - 1]!.toString('latin1')).toMatch(/line one\r?\nline two\r?\n\.not a terminator/);
  });

  it('keeps a dot-stuffed line as content (CRLF . CRLF inside the message is fine)', async () => {
    const before = (await mailbox(store, 'carol@example.test')).length;
    const { client } = await RawSmtp.connect(mx.port);
    try {
      await client.command('EHLO ok.example');
      await client.command('MAIL FROM:<ok@ok.example>');
      await client.command('RCPT TO:<carol@example.test>');
      await client.command('DATA');
      client.write('Subject: dots\r\n\r\nabove\r\n..\r\nbelow\r\n.\r\n');
      expect((await client.reply()).code).toBe(250);
    } finally {
      client.close();
    }
    const after = await mailbox(store, 'carol@example.test');
    expect(after).toHaveLength(before + 1);
    expect(after[after.length - 1]!.toString('latin1')).toContain('above\r\n.\r\nbelow');
  });
});
