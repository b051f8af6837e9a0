import { bad, no } from '../errors.js';
import { argString, expectArgs } from '../parser/tokenizer.js';
import { MAX_FAILED_LOGINS } from '../limits.js';
import type { ImapCommand, Session } from './types.js';

export async function verifyLogin(session: Session, username: string, password: string): Promise<void> {
  const user = await session.store.authenticate(username, password);
  if (!user) {
    const s = session as Session & { failedLogins?: number };
    s.failedLogins = (s.failedLogins ?? 0) + 1;
    session.logger.info({ user: username }, 'authentication failed');
    if (s.failedLogins >= MAX_FAILED_LOGINS) {
      session.writeLine('* BYE Too many failed authentication attempts');
      session.logout();
    }
    throw no('Invalid credentials', 'AUTHENTICATIONFAILED');
  }
  session.login(user);
}

export const login: ImapCommand = {
  name: 'LOGIN',
  states: ['not-authenticated'],
  async handle({ session, args }) {
    expectArgs(args, 2, 2);
    const user = argString(args, 0, 'user name');
    const pass = argString(args, 1, 'password');
    if (!user) throw bad('Empty user name');
    await verifyLogin(session, user, pass);
    return { code: `CAPABILITY ${session.capabilities().join(' ')}`, text: 'Logged in' };
  },
};

export const authenticate: ImapCommand = {
  name: 'AUTHENTICATE',
  states: ['not-authenticated'],
  async handle({ session, args }) {
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
