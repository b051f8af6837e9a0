// The outbound queue records a delivery as soon as the remote MX answered 250 to the end of DATA,
// not after a further round trip: every moment between that 250 and the commit is a moment in
// which a crash makes the message go out twice (smtp-crash.test.ts counts such duplicates). A
// remote that never answers the RSET that follows (stalled, tarpitting) must not keep the
// delivery unrecorded.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openQueueDb, staticMxResolver, startMailServer, type RunningMailServer } from '../src/index.js';
import { waitFor } from './queue-helpers.js';

let dir: string;
let server: RunningMailServer;
let stall: net.Server;
let stallPort = 0;
const sockets = new Set<net.Socket>();
let received = 0;
let sawRset = false;

/** A remote MX that takes one message per connection and then never answers again. */
function startStallingMx(): Promise<void> {
  stall = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    let buf = '';
    let inData = false;
    let answered = false;
    sock.write('220 stall.test ESMTP\r\n');
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (;;) {
        if (inData) {
          const end = buf.indexOf('\r\n.\r\n');
          if (end < 0) return;
          buf = buf.slice(end + 5);
          inData = false;
          received++;
          answered = true;
          sock.write('250 2.0.0 queued as STALL1\r\n');
          continue;
        }
        const nl = buf.indexOf('\r\n');
        if (nl < 0) return;
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (answered) {
          // after the 250 of DATA: silence (RSET, QUIT, anything)
          if (verb === 'RSET') sawRset = true;
          continue;
        }
        if (verb === 'EHLO' || verb === 'HELO') sock.write('250-stall.test\r\n250 8BITMIME\r\n');
        else if (verb === 'DATA') {
          inData = true;
          sock.write('354 go ahead\r\n');
        } else sock.write('250 2.0.0 ok\r\n');
      }
    });
  });
  return new Promise((resolve) =>
    stall.listen(0, '127.0.0.1', () => {
      const a = stall.address();
      stallPort = typeof a === 'object' && a ? a.port : 0;
      resolve();
    }),
  );
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mailroom-queue-record-'));
  await startStallingMx();
  server = await startMailServer({
    dataDir: dir,
    ports: { imap: 0, smtp: 0, submission: 0, pop3: null },
    hostname: 'mx.local.test',
    allowInsecureAuth: true,
    authChecks: false,
    dkimSign: false,
    queue: { resolver: staticMxResolver({ 'stall.test': { host: '127.0.0.1', port: stallPort } }), retry: { initialMs: 50, maxMs: 200 }, pollMs: 50 },
  });
  server.store.addDomain('local.test');
  server.store.createUser('alice@local.test', 'alice-pw');
});

afterAll(async () => {
  await server?.close();
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => (stall ? stall.close(() => resolve()) : resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe('outbound queue: the remote 250 is recorded at once', () => {
  it('marks the recipient delivered while the remote has not answered the following RSET', async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: server.ports.submission,
      secure: false,
      ignoreTLS: true,
      auth: { user: 'alice@local.test', pass: 'alice-pw' },
    });
    await transport.sendMail({
      envelope: { from: 'alice@local.test', to: ['r@stall.test'] },
      raw: 'From: alice@local.test\r\nTo: r@stall.test\r\nSubject: record me\r\nMessage-ID: <record-1@local.test>\r\n\r\nbody\r\n',
    });
    transport.close();
    await waitFor(() => received === 1, 'the message at the stalling MX');
    const status = await waitFor(
      () => {
        const q = openQueueDb(dir);
        try {
          const entry = q.list()[0];
          // removed from the queue, or its recipient marked delivered
          if (!entry) return 'gone';
          const r = entry.recipients[0];
          return r?.status === 'delivered' ? 'delivered' : null;
        } finally {
          q.close();
        }
      },
      'the delivery recorded in queue.sqlite',
      5_000,
    );
    expect(['gone', 'delivered']).toContain(status);
    expect(received).toBe(1);
    // the RSET did go out, and is still unanswered
    await waitFor(() => sawRset, 'the RSET at the stalling MX');
  });
});
