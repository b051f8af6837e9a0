import { err } from '../errors.js';
import type { Pop3Command } from './types.js';

export const SASL_MECHANISMS = ['PLAIN'];

/**
 * AUTH (RFC 5034): SASL PLAIN with an initial response (`AUTH PLAIN <b64>`) or after a
 * continuation (`AUTH PLAIN`, `+ `, `<b64>`); `*` cancels. A bare `AUTH` lists the mechanisms
 * (the older RFC 1734 form some clients still probe with).
 */
export const auth: Pop3Command = {
  name: 'AUTH',
  states: ['authorization'],
  async handle({ session, args }) {
    if (args.length === 0) {
      await session.multiline('SASL mechanisms follow', session.plaintextAuthAllowed ? SASL_MECHANISMS : []);
      return;
    }
    if (args.length > 2) throw err('Syntax: AUTH mechanism [initial-response]');
    const mech = args[0]!.toUpperCase();
    if (!SASL_MECHANISMS.includes(mech)) throw err('Unsupported authentication mechanism');
    if (!session.plaintextAuthAllowed) throw err('Plaintext authentication requires STLS first', 'AUTH');
    let response = args[1];
    if (response === undefined) {
      session.continuation('');
      response = (await session.readLine()).trim();
    }
    if (response === '*') throw err('Authentication cancelled');
    if (response === '=') response = '';
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(response) || response.length % 4 !== 0) throw err('Invalid base64 in authentication response');
    const parts = Buffer.from(response, 'base64').toString('utf8').split('\x00');
    if (parts.length !== 3) throw err('Invalid SASL PLAIN response');
    const [authz, authc, password] = parts as [string, string, string];
    if (!authc) throw err('Empty authentication identity');
    if (authz && authz.toLowerCase() !== authc.toLowerCase()) throw err('Authorization identity not permitted', 'AUTH');
    await session.authenticate(authc, password);
    session.ok('Authenticated');
  },
};
