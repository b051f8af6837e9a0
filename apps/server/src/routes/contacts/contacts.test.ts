import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Contact, ContactListResponse } from '@mailroom/shared';
import { Browser, startTestStack, type TestStack } from '../../test-support.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ perUser: 1 });
});
afterAll(async () => {
  await stack?.close();
});

const search = async (b: Browser, q: string) => ((await b.get(`/api/contacts?q=${encodeURIComponent(q)}`)).body as ContactListResponse).contacts;

describe('contacts API', () => {
  it('saves, finds by address or name word, ranks saved and used ones first, and deletes', async () => {
    const alice = new Browser(stack.app);
    await alice.login('alice@demo.test');
    const saved = await alice.send('post', '/api/contacts', { name: 'Carla Brown', address: 'carla@example.org' });
    expect(saved.status).toBe(201);
    expect(saved.body as Contact).toMatchObject({ name: 'Carla Brown', address: 'carla@example.org', saved: true, timesContacted: 0, lastContacted: null });
    expect((await alice.send('post', '/api/contacts', { name: 'x', address: 'not an address' })).status).toBe(400);

    // writing to bob collects him
    const sent = await alice.send('post', '/api/messages/send', { to: [{ name: 'Bob Brown', address: 'bob@demo.test' }], subject: 'hi', text: 'x', undoDelayMs: 0 });
    expect(sent.status).toBe(202);
    const browns = await search(alice, 'BROWN');
    expect(browns.map((c) => c.address)).toEqual(['carla@example.org', 'bob@demo.test']);
    expect(browns[1]).toMatchObject({ saved: false, timesContacted: 1 });
    expect(browns[1]!.lastContacted).not.toBeNull();
    expect((await search(alice, 'bo')).map((c) => c.address)).toEqual(['bob@demo.test']);
    expect((await alice.get('/api/contacts?limit=1')).body.contacts).toHaveLength(1);
    expect((await alice.get('/api/contacts?limit=500')).status).toBe(400);

    // per user
    const bob = new Browser(stack.app);
    await bob.login('bob@demo.test');
    expect(await search(bob, 'carla')).toEqual([]);
    expect((await bob.send('delete', '/api/contacts/carla%40example.org')).status).toBe(404);

    expect((await alice.send('delete', '/api/contacts/carla%40example.org')).status).toBe(204);
    expect(await search(alice, 'carla')).toEqual([]);
  });
});
