import { afterEach, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { composeState } from '@mailroom/shared';
import { loadConfig } from '../config.js';
import { SqliteContacts } from '../data/contacts.js';
import { OutboxStore } from '../data/outbox.js';
import { ImapPool } from '../imap/pool.js';
import { createLogger } from '../logger.js';
import { MailRouting } from '../mail-routing.js';
import { Metrics } from '../metrics.js';
import { SseClients } from '../routes/events/router.js';
import { CredentialSealer } from '../session/crypto.js';
import { OutboxScheduler, type OutboxEvent } from './scheduler.js';

class RecordingSse extends SseClients {
  readonly events: Array<{ user: string; event: string; data: OutboxEvent }> = [];
  override publish(user: string, event: string, data: object) {
    this.events.push({ user, event, data: data as OutboxEvent });
  }
}

/** A submission server that answers 451 to the first `failures` messages, then accepts. */
async function flakySubmission(failures: number) {
  const received: string[] = [];
  let seen = 0;
  const server = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth: (auth, _s, cb) => cb(null, { user: auth.username }),
    onData(stream, _s, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (seen++ < failures) cb(Object.assign(new Error('Try again later'), { responseCode: 451 }));
        else {
          received.push(Buffer.concat(chunks).toString());
          cb();
        }
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: ((server as unknown as { server: { address(): AddressInfo } }).server.address()).port, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(failures: number, retryDelaysMs: number[]) {
  const smtp = await flakySubmission(failures);
  cleanups.push(smtp.close);
  // IMAP is not there: what follows a send is best effort and must not change the outcome.
  const config = loadConfig({}, { submissionHost: '127.0.0.1', submissionPort: smtp.port, imapHost: '127.0.0.1', imapPort: 1, logLevel: 'silent' });
  const logger = createLogger('silent');
  const routing = new MailRouting(config);
  const store = new OutboxStore(':memory:');
  const contacts = new SqliteContacts(':memory:');
  const sse = new RecordingSse();
  const sealer = new CredentialSealer();
  const scheduler = new OutboxScheduler({
    store,
    sealer,
    routing,
    imap: new ImapPool((e) => routing.for(e).imap, 1000, logger),
    contacts,
    sse,
    metrics: new Metrics({ imapConnections: () => 0, sseClients: () => 0 }),
    logger,
    retryDelaysMs,
  });
  scheduler.start();
  cleanups.push(async () => {
    await scheduler.stop();
    store.close();
    contacts.close();
  });
  const item = store.insert({
    account: 'ann@example.org',
    sendAt: Date.now() + 20,
    wire: Buffer.from('From: ann@example.org\r\nTo: bob@example.org\r\nSubject: retry\r\n\r\nhello\r\n'),
    sentCopy: Buffer.from('copy'),
    envelope: { from: 'ann@example.org', to: ['bob@example.org'] },
    state: composeState.parse({ to: [{ name: 'Bob', address: 'bob@example.org' }], subject: 'retry' }),
    subject: 'retry',
    recipients: ['bob@example.org'],
    messageId: '<retry@example.org>',
    draftUid: null,
    source: null,
    sealPassword: (id) => sealer.seal('secret', id),
  });
  scheduler.arm();
  return { smtp, store, contacts, sse, item };
}

describe('OutboxScheduler', () => {
  it('retries a temporary failure with backoff, then sends once and records the contacts', async () => {
    const { smtp, store, contacts, sse, item } = await setup(2, [10, 10, 10]);
    // the event comes last, after what follows the send
    await expect.poll(() => sse.events.length, { timeout: 10_000, interval: 20 }).toBe(1);
    expect(store.get(item.id)?.status).toBe('sent');
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]).toContain('Subject: retry');
    expect(store.get(item.id)).toMatchObject({ attempts: 3, sealedPassword: null, error: null });
    expect(sse.events).toEqual([{ user: 'ann@example.org', event: 'outbox', data: { id: item.id, status: 'sent' } }]);
    expect((await contacts.search('ann@example.org', 'bob', 5))[0]).toMatchObject({ address: 'bob@example.org', name: 'Bob', timesContacted: 1 });
  });

  it('fails with mail_server_unavailable once the retries are used up', async () => {
    const { smtp, store, sse, item } = await setup(100, [10]);
    await expect.poll(() => store.get(item.id)?.status, { timeout: 10_000, interval: 20 }).toBe('failed');
    expect(smtp.received).toHaveLength(0);
    const failed = store.get(item.id)!;
    expect(failed.attempts).toBe(2);
    expect(failed.error).toMatchObject({ code: 'mail_server_unavailable' });
    expect(failed.error!.message).toMatch(/Try again later/);
    expect(sse.events.map((e) => e.data)).toEqual([{ id: item.id, status: 'failed', error: failed.error }]);
  });
});
