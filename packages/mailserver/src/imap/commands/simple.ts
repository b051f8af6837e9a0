/** Small commands without arguments or with trivial ones. */
import { bad } from '../errors.js';
import { tokenText } from '../parser/tokenizer.js';
import { atom } from '../response.js';
import type { ImapCommand } from './types.js';

const ANY = ['not-authenticated', 'authenticated', 'selected', 'logout'] as const;
const AUTHED = ['authenticated', 'selected'] as const;

export const capability: ImapCommand = {
  name: 'CAPABILITY',
  states: [...ANY],
  async handle({ session, args }) {
    if (args.length) throw bad('CAPABILITY takes no arguments');
    session.untagged(atom('CAPABILITY'), ...session.capabilities().map(atom));
  },
};

export const noop: ImapCommand = {
  name: 'NOOP',
  states: [...ANY],
  async handle({ args }) {
    if (args.length) throw bad('NOOP takes no arguments');
  },
};

export const check: ImapCommand = {
  name: 'CHECK',
  states: ['selected'],
  async handle() {},
};

export const logout: ImapCommand = {
  name: 'LOGOUT',
  states: [...ANY],
  async handle({ session }) {
    session.writeLine('* BYE Mailroom IMAP server logging out');
    session.logout();
  },
};

export const namespace: ImapCommand = {
  name: 'NAMESPACE',
  states: [...AUTHED],
  async handle({ session }) {
    session.writeLine('* NAMESPACE (("" "/")) NIL NIL');
  },
};

export const id: ImapCommand = {
  name: 'ID',
  states: [...ANY],
  async handle({ session, args }) {
    if (args.length !== 1 || (args[0]!.type !== 'list' && tokenText(args[0])?.toUpperCase() !== 'NIL')) throw bad('ID expects a list or NIL');
    session.untagged(atom('ID'), ['name', 'Mailroom', 'vendor', 'Mailroom', 'support-url', 'https://example.invalid/mailroom']);
  },
};

const ENABLE_SUPPORTED = new Set(['CONDSTORE']);
export const enable: ImapCommand = {
  name: 'ENABLE',
  states: [...AUTHED],
  async handle({ session, args }) {
    if (!args.length) throw bad('ENABLE expects capability names');
    const enabled: string[] = [];
    for (const a of args) {
      const name = tokenText(a)?.toUpperCase();
      if (!name) throw bad('Invalid capability name');
      if (ENABLE_SUPPORTED.has(name) && session.hasCapability(name) && !session.enabled.has(name)) {
        session.enabled.add(name);
        enabled.push(name);
      }
    }
    session.untagged(atom('ENABLED'), ...enabled.map(atom));
  },
};

export const unselect: ImapCommand = {
  name: 'UNSELECT',
  states: ['selected'],
  async handle({ session }) {
    session.deselect();
  },
};

export const close: ImapCommand = {
  name: 'CLOSE',
  states: ['selected'],
  async handle({ session }) {
    const view = session.selected!;
    if (!view.readOnly) await session.store.expunge(view.mailbox.id, { origin: session.id });
    session.deselect();
  },
};

export const idle: ImapCommand = {
  name: 'IDLE',
  states: [...AUTHED],
  async handle({ session, args }) {
    if (args.length) throw bad('IDLE takes no arguments');
    session.continuation('idling');
    session.setIdle(() => session.flushPending(true));
    session.flushPending(true);
    const line = await session.readLine();
    session.setIdle(null);
    if (line.trim().toUpperCase() !== 'DONE') throw bad('Expected DONE');
  },
};
