/**
 * Fills any IMAP account with Mailroom's generated demo mail over plain IMAP APPEND (flags and
 * internal dates kept), in the order the embedded demo stores it: oldest first, so "Welcome to
 * Mailroom" is the newest INBOX message and "Mailroom Weekly: what's new" the second newest.
 */
import { ImapFlow } from 'imapflow';
import { DEFAULT_CONTACTS, DEMO_USERS, generateMailbox, type SeedPerson } from '@mailroom/mailserver';
// The embedded demo's correspondents; not exported by the package, shared so both seeds match byte for byte.

export interface SeedImapAccountOptions {
  host: string;
  port: number;
  owner: SeedPerson;
  password: string;
  /** Correspondents besides the built-in cast (the other demo users, for the demo). */
  others?: SeedPerson[];
  /** INBOX messages (a few more go to Sent), like seedDemo's perUser. */
  perUser: number;
  seed?: number;
  now?: Date;
}

/** Maps the generator's folder names to the server's folders by special use; creates what is missing. */
async function folderResolver(client: ImapFlow): Promise<(name: string) => Promise<string>> {
  const list = await client.list();
  const byUse = new Map(list.filter((m) => m.specialUse).map((m) => [m.specialUse!.toLowerCase(), m.path]));
  const byPath = new Set(list.map((m) => m.path));
  const cache = new Map<string, string>();
  return async (name) => {
    const hit = cache.get(name);
    if (hit) return hit;
    let target = name.toUpperCase() === 'INBOX' ? 'INBOX' : (byUse.get(`\\${name.toLowerCase()}`) ?? name);
    if (!byPath.has(target) && target !== 'INBOX') {
      const created = await client.mailboxCreate(target);
      target = created.path;
      byPath.add(target);
    }
    cache.set(name, target);
    return target;
  };
}

/** Appends the generated mailbox of `owner`; returns how many messages went where. */
export async function seedImapAccount(opts: SeedImapAccountOptions): Promise<Record<string, number>> {
  const client = new ImapFlow({
    host: opts.host,
    port: opts.port,
    secure: false,
    auth: { user: opts.owner.email, pass: opts.password },
    logger: false,
    disableAutoIdle: true,
  });
  await client.connect();
  const counts: Record<string, number> = {};
  try {
    const resolve = await folderResolver(client);
    for (const msg of generateMailbox({
      owner: opts.owner,
      others: [...(opts.others ?? []), ...DEFAULT_CONTACTS],
      count: opts.perUser,
      inboxCount: opts.perUser,
      seed: opts.seed ?? 1,
      now: opts.now,
    })) {
      const folder = await resolve(msg.mailbox);
      const res = await client.append(folder, msg.raw, msg.flags, msg.internalDate);
      if (!res) throw new Error(`APPEND to ${folder} failed for ${opts.owner.email}`);
      counts[folder] = (counts[folder] ?? 0) + 1;
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
  return counts;
}

export interface SeedImapDemoOptions {
  host: string;
  port: number;
  domain?: string;
  password?: string;
  perUser: number;
  seed?: number;
  now?: Date;
}

/** Seeds alice and bob of the demo domain over IMAP exactly like seedDemo does in the embedded store. */
export async function seedImapDemo(opts: SeedImapDemoOptions): Promise<{ users: string[] }> {
  const domain = (opts.domain ?? 'demo.test').toLowerCase();
  const people: SeedPerson[] = DEMO_USERS.map((u) => ({ name: u.name, email: `${u.local}@${domain}` }));
  const now = opts.now ?? new Date();
  await Promise.all(
    people.map((person, i) =>
      seedImapAccount({
        host: opts.host,
        port: opts.port,
        owner: person,
        password: opts.password ?? 'demo',
        others: people.filter((p) => p !== person),
        perUser: opts.perUser,
        seed: (opts.seed ?? 1) + i * 7919,
        now,
      }),
    ),
  );
  return { users: people.map((p) => p.email) };
}
