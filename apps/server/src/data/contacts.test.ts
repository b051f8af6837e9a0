import { describe, expect, it } from 'vitest';
import { SqliteContacts } from './contacts.js';

describe('SqliteContacts', () => {
  it('records sent-to addresses and ranks saved, then frequent and recent ones first', async () => {
    const repo = new SqliteContacts(':memory:');
    const u = 'me@example.org';
    const day = 24 * 60 * 60 * 1000;
    const now = Date.now();
    await repo.record(u, [{ name: 'Old Friend', address: 'old@example.org' }], new Date(now - 300 * day));
    for (let i = 0; i < 3; i++) await repo.record(u, [{ name: 'Olga Often', address: 'olga@example.org' }], new Date(now - i * day));
    await repo.record(u, [{ name: '', address: 'Oscar@Example.org' }, { name: 'dup', address: 'oscar@example.org' }]);
    await repo.save(u, { name: 'Otto Saved', address: 'otto@example.org' });

    const all = await repo.search(u, 'o', 10);
    expect(all.map((c) => c.address)).toEqual(['otto@example.org', 'olga@example.org', 'oscar@example.org', 'old@example.org']);
    expect(all[1]).toMatchObject({ name: 'Olga Often', timesContacted: 3, saved: false });
    expect(all[2]!.timesContacted).toBe(1); // the same address twice in one message counts once
    expect(all[0]).toMatchObject({ saved: true, timesContacted: 0, lastContacted: null });

    // any word of the name, case-insensitive; LIKE wildcards are plain characters
    expect((await repo.search(u, 'OFT', 10)).map((c) => c.address)).toEqual(['olga@example.org']);
    expect((await repo.search(u, 'friend', 10)).map((c) => c.address)).toEqual(['old@example.org']);
    expect(await repo.search(u, '%', 10)).toEqual([]);
    expect(await repo.search(u, 'example', 10)).toEqual([]); // prefix, not substring
    expect(await repo.search(u, 'o', 2)).toHaveLength(2);
    // per user
    expect(await repo.search('other@example.org', 'o', 10)).toEqual([]);

    // a saved contact keeps its name when mail to it carries another
    await repo.record(u, [{ name: 'Someone Else', address: 'otto@example.org' }]);
    expect((await repo.search(u, 'otto', 1))[0]).toMatchObject({ name: 'Otto Saved', timesContacted: 1, saved: true });

    expect(await repo.remove(u, 'OTTO@example.org')).toBe(true);
    expect(await repo.remove(u, 'otto@example.org')).toBe(false);
    repo.close();
  });
});
