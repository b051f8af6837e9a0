/** QUOTA (RFC 9208): one quota root "" per user with the STORAGE resource (units of 1024 octets). */
import { bad, no } from '../errors.js';
import { argString, expectArgs } from '../parser/tokenizer.js';
import { astring } from '../response.js';
import { mailboxOrFail, requireUser } from './util.js';
import type { ImapCommand, Session } from './types.js';

const AUTHED: ImapCommand['states'] = ['authenticated', 'selected'];

async function writeQuota(session: Session): Promise<boolean> {
  const q = await session.store.getQuota(requireUser(session).id);
  if (q.limitBytes === null) return false;
  session.writeLine(`* QUOTA "" (STORAGE ${Math.ceil(q.usedBytes / 1024)} ${Math.floor(q.limitBytes / 1024)})`);
  return true;
}

export const getquotaroot: ImapCommand = {
  name: 'GETQUOTAROOT',
  states: AUTHED,
  async handle({ session, args }) {
    expectArgs(args, 1, 1);
    const box = await mailboxOrFail(session, argString(args, 0, 'mailbox name'));
    const q = await session.store.getQuota(requireUser(session).id);
    if (q.limitBytes === null) {
      session.untagged(astring('QUOTAROOT'), astring(box.name));
      return;
    }
    session.untagged(astring('QUOTAROOT'), astring(box.name), '');
    await writeQuota(session);
  },
};

export const getquota: ImapCommand = {
  name: 'GETQUOTA',
  states: AUTHED,
  async handle({ session, args }) {
    expectArgs(args, 1, 1);
    if (argString(args, 0, 'quota root') !== '' || !(await writeQuota(session))) throw no('No such quota root', 'NONEXISTENT');
  },
};

export const setquota: ImapCommand = {
  name: 'SETQUOTA',
  states: AUTHED,
  async handle({ args }) {
    if (args.length !== 2) throw bad('SETQUOTA expects a quota root and a resource list');
    throw no('Quotas are set by the administrator', 'NOPERM');
  },
};
