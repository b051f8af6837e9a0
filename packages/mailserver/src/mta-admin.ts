/**
 * The MTA administration commands behind the `mailroom` CLI: `queue list|flush|delete ID` and
 * `domain add DOMAIN`, `alias add|remove|list`. They work on the files in dataDir only, so they run while the server runs
 * (SQLite WAL; a running server picks up a flush at its next queue poll) or while it is stopped.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { addMailDomain, formatDnsRecords } from './dkim/keys.js';
import { openQueueDb, QUEUE_FILE } from './queue/queue.js';
import { openStore } from './store/index.js';
import { StoreError } from './store/types.js';

/** A usage or input error: the CLI prints the message and exits 2. */
export class AdminCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdminCommandError';
  }
}

function ago(ms: number): string {
  const min = Math.round(ms / 60_000);
  if (Math.abs(min) < 120) return `${min} min`;
  return `${Math.round(min / 60)} h`;
}

/** `mailroom queue list|flush [ID]|delete ID --data DIR`; returns the text to print. */
export function queueCommand(dataDir: string, args: string[], now = Date.now()): string {
  const [sub, id] = args;
  if (!existsSync(path.join(dataDir, QUEUE_FILE)) && sub !== 'list') {
    throw new AdminCommandError(`no outbound queue at ${path.join(dataDir, QUEUE_FILE)}`);
  }
  if (!existsSync(path.join(dataDir, QUEUE_FILE))) return 'The queue is empty.\n';
  const db = openQueueDb(dataDir);
  try {
    switch (sub) {
      case 'list': {
        const messages = db.list();
        if (messages.length === 0) return 'The queue is empty.\n';
        const lines: string[] = [];
        for (const m of messages) {
          lines.push(`${m.id}  ${m.size} bytes  queued ${ago(now - m.createdAt)} ago  from <${m.mailFrom}>`);
          for (const r of m.recipients) {
            const next = r.status === 'pending' ? `, next attempt in ${ago(r.nextAttemptAt - now)}` : '';
            lines.push(`    <${r.address}>  ${r.status}, ${r.attempts} attempts${next}${r.lastError ? `: ${r.lastError}` : ''}`);
          }
        }
        lines.push(`${messages.length} message${messages.length === 1 ? '' : 's'} queued.`);
        return `${lines.join('\n')}\n`;
      }
      case 'flush': {
        if (id && !db.getMessage(id)) throw new AdminCommandError(`no queued message ${id}`);
        const n = db.flush(now, id);
        return `${n} recipient${n === 1 ? '' : 's'} due now; a running server delivers them at its next queue run.\n`;
      }
      case 'delete': {
        if (!id) throw new AdminCommandError('queue delete needs a queue ID (see mailroom queue list)');
        if (!db.delete(id)) throw new AdminCommandError(`no queued message ${id}`);
        return `Deleted ${id}.\n`;
      }
      default:
        throw new AdminCommandError('usage: mailroom queue list|flush [ID]|delete ID --data DIR');
    }
  } finally {
    db.close();
  }
}

/** `mailroom domain add DOMAIN --data DIR [--mx HOST] [--selector S]`; returns the text to print. */
export function domainCommand(dataDir: string, args: string[], opts: { mxHost?: string; selector?: string } = {}): string {
  const [sub, domain] = args;
  if (sub !== 'add' || !domain) throw new AdminCommandError('usage: mailroom domain add DOMAIN --data DIR [--mx HOST] [--selector NAME]');
  let result: ReturnType<typeof addMailDomain>;
  try {
    result = addMailDomain({ dataDir, domain, mxHost: opts.mxHost, selector: opts.selector });
  } catch (err) {
    throw new AdminCommandError((err as Error).message);
  }
  return (
    `Domain ${result.domain} added to ${dataDir}.\n` +
    `DKIM key: ${result.keyFile} (${result.created ? 'new' : 'existing, kept'})\n\n` +
    'Publish these DNS records:\n\n' +
    `${formatDnsRecords(result.records)}\n`
  );
}

const ALIAS_USAGE = 'usage: mailroom alias add ADDRESS USER | alias remove ADDRESS | alias list --data DIR  (ADDRESS: name@domain, or @domain for a catch-all)';

/** `mailroom alias add ADDRESS USER | remove ADDRESS | list --data DIR`; returns the text to print. */
export function aliasCommand(dataDir: string, args: string[]): string {
  const [sub, address, target] = args;
  const file = path.join(dataDir, 'mail.sqlite');
  if (!existsSync(file)) throw new AdminCommandError(`no mail store at ${file}`);
  if (sub !== 'list' && sub !== 'add' && sub !== 'remove') throw new AdminCommandError(ALIAS_USAGE);
  if ((sub === 'add' && (!address || !target || args.length > 3)) || (sub === 'remove' && (!address || args.length > 2))) {
    throw new AdminCommandError(ALIAS_USAGE);
  }
  const store = openStore({ path: file });
  try {
    switch (sub) {
      case 'add': {
        const alias = store.addAlias(address!, target!);
        return alias.address.startsWith('@')
          ? `Catch-all ${alias.address} added: mail for unknown addresses of ${alias.address.slice(1)} goes to ${alias.target.email}.\n`
          : `Alias ${alias.address} added: mail goes to ${alias.target.email}, who may also send as this address.\n`;
      }
      case 'remove':
        if (!store.removeAlias(address!)) throw new AdminCommandError(`no alias ${address!.trim().toLowerCase()}`);
        return `Removed ${address!.trim().toLowerCase()}.\n`;
      default: {
        const aliases = store.listAliases();
        if (aliases.length === 0) return 'No aliases.\n';
        const width = Math.max(...aliases.map((a) => a.address.length));
        return `${aliases.map((a) => `${a.address.padEnd(width)}  → ${a.target.email}${a.address.startsWith('@') ? '  (catch-all)' : ''}`).join('\n')}\n`;
      }
    }
  } catch (err) {
    if (err instanceof StoreError) throw new AdminCommandError(err.message);
    throw err;
  } finally {
    store.close();
  }
}
