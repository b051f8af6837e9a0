/** All IMAP commands by name. UID variants are served by the same module (`uid: true`). */
import { append } from './append.js';
import { copy, move } from './copy.js';
import { expunge } from './expunge.js';
import { fetch } from './fetch.js';
import { list, lsub } from './list.js';
import { authenticate } from './authenticate.js';
import { login } from './login.js';
import { create } from './create.js';
import { del } from './delete.js';
import { rename } from './rename.js';
import { subscribe } from './subscribe.js';
import { unsubscribe } from './unsubscribe.js';
import { search } from './search.js';
import { examine, select } from './select.js';
import { capability } from './capability.js';
import { check } from './check.js';
import { close } from './close.js';
import { enable } from './enable.js';
import { id } from './id.js';
import { idle } from './idle.js';
import { logout } from './logout.js';
import { namespace } from './namespace.js';
import { noop } from './noop.js';
import { unselect } from './unselect.js';
import { sort } from './sort.js';
import { starttls } from './starttls.js';
import { thread } from './thread.js';
import { getquota, getquotaroot, setquota } from './quota.js';
import { status } from './status.js';
import { store } from './store.js';
import type { ImapCommand } from './types.js';

const ALL: ImapCommand[] = [
  capability, noop, logout, login, authenticate, id, enable, namespace, list, lsub, status, select, examine,
  create, del, rename, subscribe, unsubscribe, fetch, store, search, sort, expunge, copy, move, append,
  idle, check, close, unselect, starttls, thread, getquotaroot, getquota, setquota,
];

export function createRegistry(hide: string[] = []): Map<string, ImapCommand> {
  const hidden = new Set(hide.map((h) => h.toUpperCase()));
  const map = new Map<string, ImapCommand>();
  for (const c of ALL) map.set(c.name, c);
  // commands that belong to a hidden capability are not served either
  if (hidden.has('MOVE')) map.delete('MOVE');
  if (hidden.has('SORT')) map.delete('SORT');
  if (hidden.has('THREAD=REFERENCES')) map.delete('THREAD');
  if (hidden.has('IDLE')) map.delete('IDLE');
  if (hidden.has('UNSELECT')) map.delete('UNSELECT');
  if (hidden.has('NAMESPACE')) map.delete('NAMESPACE');
  if (hidden.has('ID')) map.delete('ID');
  if (hidden.has('ENABLE')) map.delete('ENABLE');
  if (hidden.has('STARTTLS')) map.delete('STARTTLS');
  if (hidden.has('QUOTA')) for (const q of ['GETQUOTAROOT', 'GETQUOTA', 'SETQUOTA']) map.delete(q);
  return map;
}
