/**
 * `mailroom user add|passwd|delete|list|quota`: the accounts of the embedded mail server. Like the
 * MTA commands it works on the files in dataDir, so it runs while the server runs (SQLite WAL).
 * Passwords never come from the command line (where `ps` shows them): the caller reads them.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { AdminCommandError } from './mta-admin.js';
import { openStore } from './store/index.js';
import { StoreError } from './store/types.js';

const USAGE =
  'usage: mailroom user add EMAIL | passwd EMAIL | delete EMAIL --force | list | quota EMAIL BYTES|none   (--data DIR; passwords are read from standard input)';

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** "500M", "2g", "1048576" or "none" → bytes or null. */
export function parseQuota(value: string): number | null {
  if (value.toLowerCase() === 'none') return null;
  const m = /^(\d+)\s*([kmg]?)i?b?$/i.exec(value.trim());
  if (!m) throw new AdminCommandError(`"${value}" is not a size: use bytes, or a number with K, M or G, or "none"`);
  const bytes = Number(m[1]) * UNITS[m[2]!.toLowerCase()]!;
  if (!Number.isSafeInteger(bytes)) throw new AdminCommandError(`"${value}" is too large`);
  return bytes;
}

export interface UserCommandOptions {
  /** Reads a new password (from standard input or a prompt). */
  readPassword: () => Promise<string>;
  force?: boolean;
}

/** Runs one user command against dataDir; returns the text to print. */
export async function userCommand(dataDir: string, args: string[], opts: UserCommandOptions): Promise<string> {
  const [sub, email, extra] = args;
  if (!sub || (sub !== 'list' && !email)) throw new AdminCommandError(USAGE);
  mkdirSync(dataDir, { recursive: true });
  const store = openStore({ path: path.join(dataDir, 'mail.sqlite') });
  try {
    switch (sub) {
      case 'list': {
        const users = store.listUsers();
        if (!users.length) return 'No users yet. Add one with: mailroom user add EMAIL --data DIR\n';
        return users.map((u) => `${u.email}  quota ${u.quotaBytes === null ? 'none' : `${u.quotaBytes} bytes`}  since ${new Date(u.createdAt).toISOString().slice(0, 10)}\n`).join('');
      }
      case 'add': {
        const domain = email!.split('@')[1]?.toLowerCase();
        if (!domain || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email!)) throw new AdminCommandError(`"${email}" is not an email address`);
        if (store.findUser(email!)) throw new AdminCommandError(`${email} already exists (use "mailroom user passwd" to change the password)`);
        const password = await readNewPassword(opts);
        const newDomain = !store.hasDomain(domain);
        if (newDomain) store.addDomain(domain);
        store.createUser(email!, password);
        return (
          `User ${email} added with Drafts, Sent, Trash, Junk and Archive.\n` +
          (newDomain ? `Domain ${domain} is now local. Run "mailroom domain add ${domain}" for its DKIM key and DNS records.\n` : '')
        );
      }
      case 'passwd': {
        if (!store.findUser(email!)) throw new AdminCommandError(`no user ${email}`);
        store.setPassword(email!, await readNewPassword(opts));
        return `Password of ${email} changed.\n`;
      }
      case 'delete': {
        if (!store.findUser(email!)) throw new AdminCommandError(`no user ${email}`);
        if (!opts.force) throw new AdminCommandError(`deleting ${email} removes all of their mail; repeat with --force to do it`);
        store.deleteUser(email!);
        return `User ${email} and all of their mail deleted.\n`;
      }
      case 'quota': {
        if (!extra) throw new AdminCommandError(USAGE);
        if (!store.findUser(email!)) throw new AdminCommandError(`no user ${email}`);
        const bytes = parseQuota(extra);
        store.setQuota(email!, bytes);
        return `Quota of ${email}: ${bytes === null ? 'none' : `${bytes} bytes`}.\n`;
      }
      default:
        throw new AdminCommandError(USAGE);
    }
  } catch (err) {
    if (err instanceof StoreError) throw new AdminCommandError(err.message);
    throw err;
  } finally {
    store.close();
  }
}

async function readNewPassword(opts: UserCommandOptions): Promise<string> {
  const password = (await opts.readPassword()).replace(/\r?\n$/, '');
  if (password.length < 8) throw new AdminCommandError('the password needs at least 8 characters');
  if (password.length > 1024) throw new AdminCommandError('the password is longer than 1024 characters');
  return password;
}
