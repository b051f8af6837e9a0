import { bad, no } from '../errors.js';
import { argString, expectArgs } from '../parser/tokenizer.js';
import { requirePrivacy, verifyLogin } from './login.js';
import type { ImapCommand } from './types.js';

export const authenticate: ImapCommand = {
  name: 'AUTHENTICATE',
  states: ['not-authenticated'],
  async handle({ session, args }) {
    requirePrivacy(session);
    expectArgs(args, 1, 2);
    const mech = argString(args, 0, 'mechanism').toUpperCase();
    if (mech !== 'PLAIN') throw no('Unsupported authentication mechanism', 'CANNOT');
    let response = args[1] ? argString(args, 1, 'initial response') : null;
    if (response === null) {
      session.continuation('');
      response = (await session.readLine()).trim();
    }
    if (response === '*') throw bad('Authentication cancelled');
    if (response === '=') response = '';
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(response)) throw bad('Invalid base64 in authentication response');
    const parts = Buffer.from(response, 'base64').toString('utf8').split('\x00');
    if (parts.length !== 3) throw bad('Invalid SASL PLAIN response');
    const [authz, authc, password] = parts as [string, string, string];
    if (authz && authz.toLowerCase() !== authc.toLowerCase()) throw no('Authorization identity not permitted', 'AUTHORIZATIONFAILED');
    await verifyLogin(session, authc, password);
    return { code: `CAPABILITY ${session.capabilities().join(' ')}`, text: 'Authenticated' };
  },
};
