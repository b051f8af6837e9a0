import { bad } from '../errors.js';
import { tokenText } from '../parser/tokenizer.js';
import { atom } from '../response.js';
import type { ImapCommand } from './types.js';

const ENABLE_SUPPORTED = new Set(['CONDSTORE', 'QRESYNC']);
export const enable: ImapCommand = {
  name: 'ENABLE',
  states: ['authenticated', 'selected'],
  async handle({ session, args }) {
    if (!args.length) throw bad('ENABLE expects capability names');
    const enabled: string[] = [];
    for (const a of args) {
      const name = tokenText(a)?.toUpperCase();
      if (!name) throw bad('Invalid capability name');
      if (ENABLE_SUPPORTED.has(name) && session.hasCapability(name) && !session.enabled.has(name)) {
        session.enabled.add(name);
        enabled.push(name);
        if (name === 'QRESYNC') session.enabled.add('CONDSTORE'); // RFC 7162 3.2.3: QRESYNC implies CONDSTORE
      }
    }
    session.untagged(atom('ENABLED'), ...enabled.map(atom));
  },
};
