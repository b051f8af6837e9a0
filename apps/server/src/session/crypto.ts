// AES-256-GCM sealing of the mail credentials a session keeps server-side.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export class CredentialSealer {
  private readonly key: Buffer;

  constructor(keyHex?: string) {
    this.key = keyHex ? Buffer.from(keyHex, 'hex') : randomBytes(32);
    if (this.key.length !== 32) throw new Error('session key must be 32 bytes');
  }

  /** Encrypts text; the result is iv | tag | ciphertext, base64. `aad` binds it to one session. */
  seal(plain: string, aad: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(aad));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** Decrypts what seal() produced; throws when it was tampered with or sealed for another aad. */
  open(sealed: string, aad: string): string {
    const raw = Buffer.from(sealed, 'base64');
    const iv = raw.subarray(0, IV_BYTES);
    const tag = raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  }
}
