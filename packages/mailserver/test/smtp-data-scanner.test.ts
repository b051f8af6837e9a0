import { SMTPStream } from 'smtp-server/lib/smtp-stream.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailStore } from '../src/store/index.js';
import type { SmtpListener } from '../src/smtp/listener.js';
import {
  fastDataScannerInstalled,
  fastFeedDataStream,
  fingerprintMismatches,
  originalFeedDataStream,
} from '../src/smtp/data-scanner.js';
import { hasSmugglingSequence } from '../src/smtp/delivery.js';
import { mailbox } from './queue-helpers.js';
import { RawSmtp, startCarolDaveMx } from './relay-helpers.js';
import { Prng } from '../src/seed/prng.js';

// The indexOf-based DATA scanner (src/smtp/data-scanner.ts) must behave exactly like
// smtp-server's byte loop: same message bytes, same byte counts and size flag, same end of DATA,
// same commands after it, however the input is split into chunks.

type Feed = typeof fastFeedDataStream;

/** An SMTPStream whose DATA scanner is `feed`. */
function parserClass(feed: Feed): typeof SMTPStream {
  class Parser extends SMTPStream {}
  (Parser.prototype as unknown as { _feedDataStream: Feed })._feedDataStream = feed;
  return Parser;
}

const Original = parserClass(originalFeedDataStream(SMTPStream.prototype) as Feed);
const Fast = parserClass(fastFeedDataStream);

/** Everything a connection would see from the parser: commands, messages (bytes, byteLength, sizeExceeded), errors. */
async function run(Parser: typeof SMTPStream, chunks: Buffer[], maxBytes: number): Promise<string[]> {
  const parser = new Parser();
  const events: string[] = [];
  parser.on('error', (err: Error) => events.push(`error:${err.message}`));
  parser.oncommand = (command: Buffer, callback?: () => void) => {
    const line = command.toString('latin1');
    events.push(`cmd:${line}`);
    if (line !== 'DATA') {
      callback?.();
      return;
    }
    // DATA is answered on a later turn of the event loop, as in the server (its MAIL and RCPT
    // handlers are asynchronous). smtp-server's continue() must not start the next message's
    // DATA synchronously: it would clear that message's continuation and stall the parser.
    setImmediate(() => {
      const stream = parser.startDataMode(maxBytes);
      const parts: Buffer[] = [];
      stream.on('data', (c: Buffer) => parts.push(c));
      stream.on('end', () => {
        events.push(`msg:${JSON.stringify(Buffer.concat(parts).toString('latin1'))}|${stream.byteLength}|${stream.sizeExceeded}`);
        // like smtp-server: the next command is read after the message was handled
        setImmediate(() => parser.continue());
      });
      callback?.();
    });
  };
  for (const chunk of chunks) {
    await new Promise<void>((resolve) => parser.write(chunk, () => resolve()));
  }
  await new Promise<void>((resolve) => parser.end(() => resolve()));
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  return events;
}

/** Deterministic PRNG (the seed generator's mulberry32), so that a failure can be replayed. */
function prng(seed: number): () => number {
  const r = new Prng(seed);
  return () => r.next();
}

// pieces that make end-of-data lookalikes, stuffing dots and line ends of every kind likely
const TOKENS = ['.', '..', '\r', '\n', '\r\n', '\r\n.', '\r\n..', '\n.', '\r.', '\r\n.\r\n', '\n.\n', '\n.\r\n', 'a', 'xyz', 'DATA\r\n', 'NOOP\r\n', '\u00e9'];

function randomSession(rand: () => number): Buffer {
  let s = rand() < 0.3 ? '' : 'MAIL FROM:<a@b>\r\n';
  const messages = 1 + Math.floor(rand() * 3);
  for (let m = 0; m < messages; m++) {
    s += 'DATA\r\n';
    const n = Math.floor(rand() * (rand() < 0.1 ? 400 : 40));
    for (let i = 0; i < n; i++) s += TOKENS[Math.floor(rand() * TOKENS.length)]!;
    if (rand() < 0.9) s += '\r\n.\r\n';
    if (rand() < 0.5) s += 'NOOP\r\n';
  }
  return Buffer.from(s, 'latin1');
}

function randomChunks(rand: () => number, input: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  let pos = 0;
  while (pos < input.length) {
    const r = rand();
    const size = r < 0.3 ? 1 + Math.floor(rand() * 3) : r < 0.8 ? 1 + Math.floor(rand() * 16) : 1 + Math.floor(rand() * input.length);
    chunks.push(input.subarray(pos, pos + size));
    pos += size;
  }
  return chunks;
}

async function expectSame(chunks: Buffer[], maxBytes: number): Promise<string[]> {
  const [a, b] = await Promise.all([run(Original, chunks, maxBytes), run(Fast, chunks, maxBytes)]);
  expect(b).toEqual(a);
  return a;
}

describe('fast DATA scanner against smtp-server 3.21.6', () => {
  it('the original scanner is the one the fast one was written against', () => {
    expect(fingerprintMismatches(Original.prototype)).toEqual([]);
  });

  it('same output on 3000 random sessions split into random chunks', async () => {
    const rand = prng(20261124);
    for (let n = 0; n < 3000; n++) {
      const input = randomSession(rand);
      const maxBytes = rand() < 0.3 ? 1 + Math.floor(rand() * 60) : 0;
      const chunks = rand() < 0.1 ? [input] : randomChunks(rand, input);
      await expectSame(chunks, maxBytes);
    }
  });

  it('same output for edge cases, whole and byte by byte', async () => {
    const cases = [
      'DATA\r\n.\r\nNOOP\r\n', // empty message
      'DATA\r\n..\r\n.\r\n', // a first line of one dot, stuffed
      'DATA\r\n...\r\n.\r\n',
      'DATA\r\n.\r\n', // terminator right at the start
      'DATA\r\n\r\n.\r\n', // a CRLF and the end
      'DATA\r\n\n.\r\nx\r\n.\r\n', // bare LF before a lone dot: not the end
      'DATA\r\na\r\n..b\r\n..\r\n.\r\nQUIT\r\n',
      'DATA\r\nhello\n.\nMAIL FROM:<x@y>\r\n.\r\n',
      'DATA\r\nhello\r.\rRCPT TO:<x@y>\r\n.\r\n',
      'DATA\r\nabc\r\n.\r\nDATA\r\n..\r\n.\r\nDATA\r\nx\r\n.\r\n',
      'DATA\r\nno end\r\n.',
      'DATA\r\nno end\r\n',
      'DATA\r\n\n..\r\n.\r\n',
      'DATA\r\n.\n.\r\n.\r\n',
    ];
    for (const c of cases) {
      const input = Buffer.from(c, 'latin1');
      await expectSame([input], 0);
      await expectSame([...input].map((b) => Buffer.from([b])), 0);
      await expectSame([...input].map((b) => Buffer.from([b])), 3);
    }
  });

  it('same output for 100 KB messages in socket-sized chunks', async () => {
    const rand = prng(7);
    for (let n = 0; n < 20; n++) {
      let body = '';
      while (body.length < 100 * 1024) {
        const r = rand();
        body += r < 0.1 ? '..stuffed line\r\n' : r < 0.12 ? '.\r\n'.replace('.', '..') : `${'x'.repeat(Math.floor(rand() * 90))}\r\n`;
      }
      const input = Buffer.from(`DATA\r\n${body}.\r\nQUIT\r\n`, 'latin1');
      const size = 1 + Math.floor(rand() * 65536);
      const chunks: Buffer[] = [];
      for (let pos = 0; pos < input.length; pos += size) chunks.push(input.subarray(pos, pos + size));
      const events = await expectSame(chunks, n % 2 ? 0 : 50 * 1024);
      expect(events.at(-1)).toBe('cmd:QUIT');
    }
  });
});

/** hasSmugglingSequence as it was, a regular expression over the message as a latin1 string (the reference). */
function smugglingByRegExp(raw: Buffer): boolean {
  const text = raw.toString('latin1');
  if (/^\.(?:\n|\r(?!\n))/.test(text)) return true;
  const re = /(?:\r\n|\n|\r)\.(?:\r\n|\n|\r)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0] !== '\r\n.\r\n') return true;
    re.lastIndex = m.index + 2;
  }
  return false;
}

describe('the smuggling check (byte searches) against the regular expression it replaced', () => {
  it('same answer on 20000 random messages', () => {
    const rand = prng(51764);
    const pieces = ['.', '\r', '\n', '\r\n', 'a', '\r\n.\r\n', '\n.', '\r.', 'x y'];
    let smuggling = 0;
    for (let n = 0; n < 20_000; n++) {
      let s = '';
      const len = Math.floor(rand() * 12);
      for (let i = 0; i < len; i++) s += pieces[Math.floor(rand() * pieces.length)]!;
      const raw = Buffer.from(s, 'latin1');
      const expected = smugglingByRegExp(raw);
      if (expected) smuggling++;
      expect(hasSmugglingSequence(raw), JSON.stringify(s)).toBe(expected);
    }
    // both answers occur often
    expect(smuggling).toBeGreaterThan(2000);
    expect(smuggling).toBeLessThan(18_000);
  });
});

describe('the MX listener runs the fast scanner', () => {
  let store: MailStore;
  let mx: SmtpListener;
  let stop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ store, mx, stop } = await startCarolDaveMx('mailroom-scanner-'));
  });

  afterAll(async () => {
    await stop?.();
  });

  it('fast DATA scanner is installed, and a dot-stuffed message arrives unstuffed', async () => {
    const { client } = await RawSmtp.connect(mx.port);
    try {
      await client.command('EHLO client.example');
      expect((await client.command('MAIL FROM:<a@sender.example>')).code).toBe(250);
      expect((await client.command('RCPT TO:<carol@example.test>')).code).toBe(250);
      expect((await client.command('DATA')).code).toBe(354);
      client.write('From: a@sender.example\r\nSubject: dots\r\n\r\n..\r\n...leading dots\r\nlast line\r\n.\r\n');
      const end = await client.reply();
      expect(end.code, end.text).toBe(250);
    } finally {
      client.close();
    }
    // smtp-server loaded by the listener is this SMTPStream (the same ESM build)
    expect(fastDataScannerInstalled(SMTPStream.prototype)).toBe(true);
    const messages = await mailbox(store, 'carol@example.test');
    expect(messages).toHaveLength(1);
    expect(messages[0]!.toString('latin1')).toContain('\r\n\r\n.\r\n..leading dots\r\nlast line\r\n');
  });

  it('each recipient gets its own trace fields in front of the same message (two users, one DATA)', async () => {
    const body = `From: a@sender.example\r\nSubject: two\r\n\r\n${'0123456789'.repeat(20_000)}\r\n`;
    const { client } = await RawSmtp.connect(mx.port);
    try {
      await client.command('EHLO client.example');
      expect((await client.command('MAIL FROM:<a@sender.example>')).code).toBe(250);
      expect((await client.command('RCPT TO:<dave@example.test>')).code).toBe(250);
      expect((await client.command('RCPT TO:<carol+x@example.test>')).code).toBe(250);
      expect((await client.command('DATA')).code).toBe(354);
      client.write(`${body}.\r\n`);
      expect((await client.reply()).code).toBe(250);
    } finally {
      client.close();
    }
    const dave = (await mailbox(store, 'dave@example.test')).map((b) => b.toString('latin1'));
    const carol = (await mailbox(store, 'carol@example.test')).map((b) => b.toString('latin1'));
    expect(dave).toHaveLength(1);
    const last = carol.at(-1)!;
    for (const [copy, rcpt] of [[dave[0]!, 'dave@example.test'], [last, 'carol+x@example.test']] as const) {
      expect(copy.startsWith('Return-Path: <a@sender.example>\r\nReceived: from client.example')).toBe(true);
      expect(copy).toContain(`\tfor <${rcpt}>; `);
      expect(copy.indexOf('for <')).toBe(copy.lastIndexOf('for <'));
      expect(copy.slice(copy.indexOf('From: a@sender.example'))).toBe(body);
    }
  });
});
