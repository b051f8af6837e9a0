import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HttpError } from '../errors.js';
import { SqliteIdentities, sanitizeSignature } from './identities.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mailroom-identities-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SqliteIdentities', () => {
  it('gives a user without identities a default one from the account address, kept across restarts', async () => {
    const file = path.join(dir, 'a.sqlite');
    const repo = new SqliteIdentities(file);
    const [first, ...rest] = await repo.list('Ann@Example.org');
    expect(rest).toEqual([]);
    expect(first).toMatchObject({ email: 'Ann@Example.org', isDefault: true, replyTo: null, signatureHtml: '' });
    repo.close();
    const again = new SqliteIdentities(file);
    expect((await again.list('ann@example.org')).map((i) => i.id)).toEqual([first!.id]);
    expect((await again.defaultFor('ann@example.org')).id).toBe(first!.id);
    again.close();
  });

  it('keeps exactly one default through create, update and remove', async () => {
    const repo = new SqliteIdentities(':memory:');
    const user = 'bob@example.org';
    const base = await repo.defaultFor(user);
    const work = await repo.create(user, { name: 'Bob at work', email: 'bob@work.example', isDefault: true });
    const defaults = async () => (await repo.list(user)).filter((i) => i.isDefault).map((i) => i.id);
    expect(await defaults()).toEqual([work.id]);
    expect((await repo.list(user))[0]!.id).toBe(work.id); // default first

    // a change of one field leaves the others as they were
    expect(await repo.update(user, work.id, { name: 'Bob @ work' })).toMatchObject({ name: 'Bob @ work', email: 'bob@work.example', isDefault: true });
    await repo.update(user, base.id, { isDefault: true });
    expect(await defaults()).toEqual([base.id]);
    // un-defaulting the default hands it on; the only identity would stay default
    await repo.update(user, base.id, { isDefault: false });
    expect(await defaults()).toEqual([work.id]);

    expect(await repo.remove(user, work.id)).toBe(true);
    expect(await defaults()).toEqual([base.id]);
    await expect(repo.remove(user, base.id)).rejects.toMatchObject({ status: 409, code: 'conflict' });
    await expect(repo.remove(user, base.id)).rejects.toBeInstanceOf(HttpError);
    expect(await repo.remove(user, 'nope')).toBe(false);
    expect(await repo.update(user, 'nope', { name: 'x' })).toBeNull();
    // someone else's identity is not there for this user
    expect(await repo.get('eve@example.org', base.id)).toBeNull();
    repo.close();
  });

  it('stores the signature sanitised', async () => {
    const repo = new SqliteIdentities(':memory:');
    const created = await repo.create('c@example.org', {
      email: 'c@example.org',
      signatureHtml: '<p onclick="x()">Cheers, <b>C</b><script>alert(1)</script><style>p{}</style><iframe src="https://evil"></iframe><form><input></form></p>',
    });
    expect(created.signatureHtml).toMatch(/^<p>Cheers, <b>C<\/b><\/p>/);
    expect(created.signatureHtml).not.toMatch(/script|style|iframe|form|input|onclick|alert|evil/i);
    repo.close();
  });
});

describe('sanitizeSignature', () => {
  it('keeps formatting, safe links and images, and drops active content', () => {
    expect(sanitizeSignature('<a href="https://example.org" onmouseover="x">site</a> <a href="javascript:alert(1)">bad</a>')).toBe(
      '<a href="https://example.org">site</a> <a>bad</a>',
    );
    expect(sanitizeSignature('<img src="data:image/png;base64,AAAA" alt="logo"><img src="data:text/html;base64,AAAA">')).toBe('<img src="data:image/png;base64,AAAA" alt="logo" />');
    expect(sanitizeSignature('<span style="color: red; position: fixed">red</span>')).toBe('<span style="color:red">red</span>');
    expect(sanitizeSignature('<svg><script>1</script></svg><object data="x"></object>text')).toBe('text');
    expect(sanitizeSignature('<img src="/api/uploads/abcdefghijkl">')).toBe('<img src="/api/uploads/abcdefghijkl" />');
  });
});
