import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Identity, IdentityListResponse } from '@mailroom/shared';
import { Browser, startTestStack, type TestStack } from '../../test-support.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ perUser: 2 });
});
afterAll(async () => {
  await stack?.close();
});

describe('identities API', () => {
  it('lists a default identity from the account, creates, updates and deletes, and never the last one', async () => {
    const alice = new Browser(stack.app);
    await alice.login('alice@demo.test');
    const first = (await alice.get('/api/identities')).body as IdentityListResponse;
    expect(first.identities).toHaveLength(1);
    const base = first.identities[0]!;
    expect(base).toMatchObject({ email: 'alice@demo.test', isDefault: true });

    const created = await alice.send('post', '/api/identities', {
      name: 'Alice Liddell',
      email: 'alice@demo.test',
      replyTo: 'help@demo.test',
      signatureHtml: '<p>Alice<img src=x onerror="alert(1)"><script>steal()</script></p><iframe src="https://evil.example"></iframe>',
      isDefault: true,
    });
    expect(created.status).toBe(201);
    const work = created.body as Identity;
    expect(work).toMatchObject({ name: 'Alice Liddell', replyTo: 'help@demo.test', isDefault: true });
    expect(work.signatureHtml).toContain('Alice');
    expect(work.signatureHtml).not.toMatch(/onerror|script|steal|iframe|evil/);

    const list = ((await alice.get('/api/identities')).body as IdentityListResponse).identities;
    expect(list.map((i) => [i.id, i.isDefault])).toEqual([
      [work.id, true],
      [base.id, false],
    ]);

    const patched = await alice.send('patch', `/api/identities/${work.id}`, { name: 'Alice L.', replyTo: null, signatureHtml: '<b>A.</b><form action="x"></form>' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Alice L.', replyTo: null, signatureHtml: '<b>A.</b>', isDefault: true });

    expect((await alice.send('patch', `/api/identities/${work.id}`, { email: 'not an address' })).status).toBe(400);
    expect((await alice.send('patch', '/api/identities/unknown', { name: 'x' })).status).toBe(404);
    expect((await alice.send('post', '/api/identities', { name: 'no address' })).status).toBe(400);

    // bob sees none of alice's identities and cannot change them
    const bob = new Browser(stack.app);
    await bob.login('bob@demo.test');
    expect(((await bob.get('/api/identities')).body as IdentityListResponse).identities.map((i) => i.email)).toEqual(['bob@demo.test']);
    expect((await bob.send('delete', `/api/identities/${work.id}`)).status).toBe(404);

    expect((await alice.send('delete', `/api/identities/${work.id}`)).status).toBe(204);
    const after = ((await alice.get('/api/identities')).body as IdentityListResponse).identities;
    expect(after.map((i) => [i.id, i.isDefault])).toEqual([[base.id, true]]);
    const last = await alice.send('delete', `/api/identities/${base.id}`);
    expect(last.status).toBe(409);
    expect(last.body.error.code).toBe('conflict');
  });

  it('needs a session', async () => {
    const anon = new Browser(stack.app);
    expect((await anon.get('/api/identities')).status).toBe(401);
  });
});
