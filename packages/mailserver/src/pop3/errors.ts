/** Typed POP3 error, mapped to `-ERR [CODE] text` at the edge (connection.ts). */
export class Pop3Error extends Error {
  /** `code` is an RFC 2449/3206 response code such as AUTH, SYS/TEMP, SYS/PERM, IN-USE. */
  constructor(message: string, public code?: string) {
    super(message);
    this.name = 'Pop3Error';
  }
}

export const err = (message: string, code?: string): Pop3Error => new Pop3Error(message, code);
