/** All POP3 commands by name. */
import { auth } from './auth.js';
import { capa } from './capa.js';
import { dele } from './dele.js';
import { list } from './list.js';
import { noop } from './noop.js';
import { pass } from './pass.js';
import { quit } from './quit.js';
import { retr } from './retr.js';
import { rset } from './rset.js';
import { stat } from './stat.js';
import { stls } from './stls.js';
import { top } from './top.js';
import { uidl } from './uidl.js';
import { user } from './user.js';
import type { Pop3Command } from './types.js';

const ALL: Pop3Command[] = [user, pass, auth, capa, stls, quit, stat, list, uidl, retr, top, dele, rset, noop];

export function createRegistry(): Map<string, Pop3Command> {
  return new Map(ALL.map((c) => [c.name, c]));
}
