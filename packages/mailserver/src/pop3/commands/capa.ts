import type { Pop3Command } from './types.js';

/** CAPA (RFC 2449): the capabilities of the current state. */
export const capa: Pop3Command = {
  name: 'CAPA',
  states: ['authorization', 'transaction'],
  async handle({ session }) {
    await session.multiline('Capability list follows', session.capabilities());
  },
};
