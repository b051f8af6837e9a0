import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { composeState } from '@mailroom/shared';
import { OutboxStore, type NewOutboxRecord } from './outbox.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mailroom-outbox-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const item = (sendAt: number): NewOutboxRecord => ({
  account: 'Ann@Example.org',
  sendAt,
  wire: Buffer.from('wire'),
  sentCopy: Buffer.from('copy'),
  envelope: { from: 'ann@example.org', to: ['bob@example.org'] },
  state: composeState.parse({ to: ['bob@example.org'], subject: 's' }),
  subject: 's',
  recipients: ['bob@example.org'],
  messageId: '<m@example.org>',
  draftUid: null,
  source: null,
  sealPassword: (id) => `sealed-for-${id}`,
});

describe('OutboxStore', () => {
  it('claims an item once, and after a crash puts items left sending back to pending, marked interrupted', () => {
    const file = path.join(dir, 'w.sqlite');
    const store = new OutboxStore(file);
    const now = Date.now();
    const a = store.insert(item(now - 10));
    const b = store.insert(item(now + 60_000));
    expect(a).toMatchObject({ user: 'ann@example.org', account: 'Ann@Example.org', status: 'pending', sealedPassword: `sealed-for-${a.id}` });
    expect(store.nextDue()).toBe(a.sendAt);
    expect(store.dueIds(now)).toEqual([a.id]);
    expect(store.claim(a.id)).toBe(true);
    expect(store.claim(a.id)).toBe(false);
    expect(store.cancel('ann@example.org', a.id)).toBeNull(); // too late once sending
    store.close();

    const after = new OutboxStore(file);
    expect(after.recoverInterrupted()).toBe(1);
    expect(after.get(a.id)).toMatchObject({ status: 'pending', interrupted: true, attempts: 1 });
    expect(after.cancel('someone@else.org', b.id)).toBeNull();
    expect(after.cancel('ANN@example.org', b.id)?.sentCopy.toString()).toBe('copy');
    expect(after.get(b.id)).toMatchObject({ status: 'cancelled', sealedPassword: null });
    after.markSent(a.id, true);
    expect(after.get(a.id)).toMatchObject({ status: 'sent', savedToSent: true, sealedPassword: null });
    expect(after.listFor('ann@example.org', 0).map((r) => r.id)).toEqual([a.id]);
    expect(after.listFor('ann@example.org', Date.now() + 1000)).toEqual([]);
    after.close();
  });
});
