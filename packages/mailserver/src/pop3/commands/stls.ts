import { err } from '../errors.js';
import type { Pop3Command } from './types.js';

/** STLS (RFC 2595 §4): only when a certificate is configured and TLS is not active yet. */
export const stls: Pop3Command = {
  name: 'STLS',
  states: ['authorization'],
  async handle({ session, args }) {
    if (args.length) throw err('STLS takes no arguments');
    if (session.secure) throw err('TLS already active');
    if (!session.canStartTls) throw err('TLS not available');
    await session.startTls();
  },
};
