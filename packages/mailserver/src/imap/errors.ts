/** Typed IMAP error, mapped to a tagged NO/BAD response at the edge (connection.ts). */
export class ImapError extends Error {
  constructor(public status: 'NO' | 'BAD', message: string, public code?: string) {
    super(message);
    this.name = 'ImapError';
  }
}
export const bad = (message: string, code?: string) => new ImapError('BAD', message, code);
export const no = (message: string, code?: string) => new ImapError('NO', message, code);
