// 25 MB messages over IMAP: FETCH BODY[] streams the stored message without joining it into one
// more buffer; APPEND over APPENDLIMIT is refused before the literal is read; a client that
// disconnects in the middle of a literal leaves nothing behind.
import { createHash } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PASS, RawClient, startTestServer, USER, type TestServer } from './imap-helpers.js';

const BIG = 25 * 1024 * 1024;
const LIMIT = 1024 * 1024;
let srv: TestServer;
let inboxId: number;
let big: Buffer;

/** INBOX message count seen by a fresh session. */
async function messageCount(): Promise<number> {
  const c = new RawClient();
  await c.connect(srv.port);
  await c.command('l', `LOGIN "${USER}" "${PASS}"`);
  const r = await c.command('s', 'STATUS INBOX (MESSAGES)');
  c.close();
  return Number(/MESSAGES (\d+)/.exec(r)![1]);
}

beforeAll(async () => {
  srv = await startTestServer();
  const user = srv.store.findUser(USER)!;
  inboxId = (await srv.store.getMailbox(user.id, 'INBOX'))!.id;
  const line = 'All work and no play makes Jack a dull boy. 0123456789 abcdefghijklmnopqrstuvwxyz\r\n';
  const header = 'From: a@example.test\r\nTo: b@example.test\r\nSubject: big\r\nMessage-ID: <big@example.test>\r\n\r\n';
  big = Buffer.from(header + line.repeat(Math.ceil((BIG - header.length) / line.length))).subarray(0, BIG);
  await srv.store.append(inboxId, big);
}, 60_000);

afterAll(async () => {
  vi.restoreAllMocks();
  await srv?.close();
});

describe('a 25 MB message', () => {
  it('is sent by FETCH BODY[] byte for byte without being joined into another buffer', async () => {
    const concat = vi.spyOn(Buffer, 'concat');
    const socket = net.connect(srv.port, '127.0.0.1');
    const received: Buffer[] = [];
    let size = 0;
    let tail = '';
    const done = new Promise<void>((resolve, reject) => {
      socket.on('data', (d: Buffer) => {
        received.push(d);
        size += d.length;
        tail = (tail + d.toString('latin1')).slice(-300);
        if (/\r\nf (OK|NO|BAD)[^\r]*\r\n$/.test(tail)) resolve();
      });
      socket.on('error', reject);
      socket.on('close', () => reject(new Error('closed')));
    });
    socket.write(`l LOGIN "${USER}" "${PASS}"\r\ns SELECT INBOX\r\nf FETCH 1 (BODY.PEEK[])\r\n`);
    await done;
    socket.destroy();
    const biggestJoin = Math.max(0, ...concat.mock.results.map((r) => (Buffer.isBuffer(r.value) ? r.value.length : 0)));
    concat.mockRestore();
    expect(biggestJoin).toBeLessThan(BIG / 2);

    const all = Buffer.concat(received, size);
    const marker = Buffer.from(`BODY[] {${BIG}}\r\n`);
    const at = all.indexOf(marker);
    expect(at).toBeGreaterThan(0);
    const body = all.subarray(at + marker.length, at + marker.length + BIG);
    expect(createHash('sha256').update(body).digest('hex')).toBe(createHash('sha256').update(big).digest('hex'));
    expect(all.subarray(at + marker.length + BIG).toString('latin1')).toMatch(/^\)\r\nf OK/);
  }, 60_000);

  it('serves a partial FETCH of it', async () => {
    const c = new RawClient();
    await c.connect(srv.port);
    await c.command('l', `LOGIN "${USER}" "${PASS}"`);
    await c.command('s', 'EXAMINE INBOX');
    const r = await c.command('p', 'FETCH 1 (BODY.PEEK[]<20000000.50>)');
    expect(r).toContain(`BODY[]<20000000> {50}\r\n${big.subarray(20_000_000, 20_000_050).toString('latin1')})`);
    c.close();
  }, 30_000);
});

describe('APPEND over APPENDLIMIT', () => {
  beforeAll(() => {
    srv.store.maxMessageSize = LIMIT;
  });
  afterAll(() => {
    srv.store.maxMessageSize = 50 * 1024 * 1024;
  });

  it('advertises the limit', async () => {
    const c = new RawClient();
    expect(await c.connect(srv.port)).toContain(`APPENDLIMIT=${LIMIT}`);
    c.close();
  });

  it('is refused with NO [TOOBIG] before the client is invited to send the literal', async () => {
    const before = await messageCount();
    const c = new RawClient();
    await c.connect(srv.port);
    await c.command('l', `LOGIN "${USER}" "${PASS}"`);
    c.write(`a APPEND INBOX (\\Seen) {${LIMIT + 1}}\r\n`);
    const r = await c.readUntil(/^a (OK|NO|BAD)[^\r]*\r\n/m);
    expect(r).toMatch(/^a NO \[TOOBIG\]/m);
    expect(r).not.toMatch(/^\+ /m);
    // the session goes on: the next line is a command, not literal data
    expect(await c.command('n', 'NOOP')).toMatch(/^n OK/m);
    c.close();
    expect(await messageCount()).toBe(before);
  });

  it('refuses a LITERAL+ upload over the limit and skips its bytes without storing them', async () => {
    const before = await messageCount();
    const c = new RawClient();
    await c.connect(srv.port);
    await c.command('l', `LOGIN "${USER}" "${PASS}"`);
    const n = 3 * LIMIT;
    c.write(`a APPEND INBOX {${n}+}\r\n`);
    // the data even looks like commands: none of them may run
    const chunk = Buffer.from('x1 CREATE Smuggled\r\n'.repeat(Math.ceil(n / 20)).slice(0, n));
    c.write(chunk);
    c.write('\r\nn NOOP\r\n');
    const r = await c.readUntil(/^n (OK|NO|BAD)[^\r]*\r\n/m);
    expect(r).toMatch(/^a NO \[TOOBIG\]/m);
    expect(r).not.toMatch(/^x1 /m);
    expect(r).toMatch(/^n OK/m);
    expect(await c.command('l2', 'LIST "" Smuggled')).not.toMatch(/^\* LIST/m);
    c.close();
    expect(await messageCount()).toBe(before);
  });
});

describe('a client that disconnects in the middle of a literal', () => {
  it('leaves nothing behind, and the server keeps serving', async () => {
    const before = await messageCount();
    for (const nonSync of [false, true]) {
      const c = new RawClient();
      await c.connect(srv.port);
      await c.command('l', `LOGIN "${USER}" "${PASS}"`);
      c.write(`a APPEND INBOX {100000${nonSync ? '+' : ''}}\r\n`);
      if (!nonSync) await c.readUntil(/^\+ .*\r\n/m);
      c.write(Buffer.alloc(50_000, 'y'));
      await new Promise((r) => setTimeout(r, 100));
      c.close();
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(await messageCount()).toBe(before);
  });
});
