import { bad, no } from '../errors.js';
import { argString, expectArgs } from '../parser/tokenizer.js';
import { MAX_FAILED_LOGINS } from '../limits.js';
import type { ImapCommand, Session } from './types.js';

/** RFC 3501 7.2.1: with LOGINDISABLED advertised, plaintext credentials wait for STARTTLS. */
export function requirePrivacy(session: Session): void {
  if (session.loginDisabled()) throw no('Use STARTTLS first: plaintext authentication is disabled', 'PRIVACYREQUIRED');
}

export async function verifyLogin(session: Session, username: string, password: string): Promise<void> {
  const throttle = session.loginThrottle;
  if (throttle.isLocked(session.remoteAddress, username)) {
    // the password is not even checked: guessing goes on without answers
    session.logger.warn({ user: username, remote: session.remoteAddress }, 'login refused: too many failures');
    throw no('Too many failed logins, try again later', 'UNAVAILABLE');
  }
  const user = await session.store.authenticate(username, password);
  if (!user) {
    session.failedLogins++;
    const delay = throttle.recordFailure(session.remoteAddress, username);
    session.logger.info({ user: username, remote: session.remoteAddress, delay }, 'authentication failed');
    if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
    if (session.failedLogins >= MAX_FAILED_LOGINS) {
      session.writeLine('* BYE Too many failed authentication attempts');
      session.logout();
    }
    throw no('Invalid credentials', 'AUTHENTICATIONFAILED');
  }
  throttle.recordSuccess(session.remoteAddress, username);
  session.login(user);
}

export const login: ImapCommand = {
  name: 'LOGIN',
  states: ['not-authenticated'],
  async handle({ session, args }) {
    requirePrivacy(session);
    expectArgs(args, 2, 2);
    const user = argString(args, 0, 'user name');
    const pass = argString(args, 1, 'password');
    if (!user) throw bad('Empty user name');
    await verifyLogin(session, user, pass);
    return { code: `CAPABILITY ${session.capabilities().join(' ')}`, text: 'Logged in' };
  },
};
