import type { MailStore } from '../store/index.js';
import { DEFAULT_CONTACTS } from './content.js';
import { generateMailbox, type SeedPerson } from './generate.js';

export interface SeedDemoOptions {
  /** Demo domain, default 'demo.test'. */
  domain?: string;
  /** Password of every demo user, default 'demo'. */
  password?: string;
  /** INBOX messages per user, default 240 (a few more, up to about 10% of that, go to Sent). */
  perUser?: number;
  /** PRNG seed, default 1. */
  seed?: number;
  /** Reference time, default now. */
  now?: Date;
}

export const DEMO_DOMAIN = 'demo.test';
export const DEMO_PASSWORD = 'demo';
export const DEMO_PER_USER = 240;

/** Local parts and names of the demo users. */
export const DEMO_USERS = [
  { local: 'alice', name: 'Alice Liddell' },
  { local: 'bob', name: 'Bob Marley-Hughes' },
] as const;

const BATCH = 2_000;

/**
 * Adds the demo domain and users (when missing) and fills the mailboxes of users created now.
 * Users that already exist are left untouched, so running it twice does not duplicate mail.
 */
export async function seedDemo(store: MailStore, opts: SeedDemoOptions = {}): Promise<{ users: string[] }> {
  const domain = (opts.domain ?? DEMO_DOMAIN).toLowerCase();
  const password = opts.password ?? DEMO_PASSWORD;
  const perUser = opts.perUser ?? DEMO_PER_USER;
  const now = opts.now ?? new Date();
  if (!store.hasDomain(domain)) store.addDomain(domain);

  const people: SeedPerson[] = DEMO_USERS.map((u) => ({ name: u.name, email: `${u.local}@${domain}` }));
  const users: string[] = [];
  for (const [i, person] of people.entries()) {
    users.push(person.email);
    if (store.findUser(person.email)) continue;
    store.createUser(person.email, password);
    // the other demo users are correspondents too, next to the built-in cast
    const others = people.filter((p) => p !== person);
    let batch: Parameters<MailStore['deliverMany']>[1] = [];
    for (const msg of generateMailbox({
      owner: person,
      others: [...others, ...DEFAULT_CONTACTS],
      count: perUser,
      inboxCount: perUser,
      seed: (opts.seed ?? 1) + i * 7919,
      now,
    })) {
      batch.push({ raw: msg.raw, mailbox: msg.mailbox, flags: msg.flags, internalDate: msg.internalDate });
      if (batch.length >= BATCH) {
        await store.deliverMany(person.email, batch);
        batch = [];
      }
    }
    if (batch.length) await store.deliverMany(person.email, batch);
  }
  return { users };
}
