// AES-256-GCM sealing of the mail credentials kept server-side (sessions, scheduled sends), and its key.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

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

/**
 * The key that seals mail credentials in sessions and in the outbox. With a data directory and no
 * SESSION_KEY it is made once and kept in DATA_DIR/session.key (mode 0600), so sessions and messages
 * scheduled to be sent later survive a restart; without either it is random per start.
 */
export function persistentSessionKey(config: { sessionKey?: string; dataDir?: string }): string | undefined {
  if (config.sessionKey || !config.dataDir) return config.sessionKey;
  const file = path.join(config.dataDir, 'session.key');
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    if (/^[0-9a-fA-F]{64}$/.test(key)) return key;
    throw new Error(`${file} does not hold a 64-hex-character key; remove it to make a new one (signs everyone out)`);
  }
  mkdirSync(config.dataDir, { recursive: true });
  const key = randomBytes(32).toString('hex');
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}
