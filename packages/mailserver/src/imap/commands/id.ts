import { bad } from '../errors.js';
import { tokenText } from '../parser/tokenizer.js';
import { atom } from '../response.js';
import type { ImapCommand } from './types.js';

export const id: ImapCommand = {
  name: 'ID',
  states: ['not-authenticated', 'authenticated', 'selected', 'logout'],
  async handle({ session, args }) {
    if (args.length !== 1 || (args[0]!.type !== 'list' && tokenText(args[0])?.toUpperCase() !== 'NIL')) throw bad('ID expects a list or NIL');
    session.untagged(atom('ID'), ['name', 'Mailroom', 'vendor', 'Mailroom', 'support-url', 'https://example.invalid/mailroom']);
  },
};
