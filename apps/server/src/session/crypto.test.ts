import { describe, expect, it } from 'vitest';
import { CredentialSealer } from './crypto.js';

describe('CredentialSealer', () => {
  it('round-trips and never contains the plain text', () => {
    const s = new CredentialSealer();
    const sealed = s.seal('pässwörd', 'session-1');
    expect(sealed).not.toContain('pässwörd');
    expect(s.open(sealed, 'session-1')).toBe('pässwörd');
  });
  it('refuses a sealed value moved to another session or tampered with', () => {
    const s = new CredentialSealer('11'.repeat(32));
    const sealed = s.seal('secret', 'a');
    expect(() => s.open(sealed, 'b')).toThrow();
    const raw = Buffer.from(sealed, 'base64');
    raw[raw.length - 1]! ^= 1;
    expect(() => s.open(raw.toString('base64'), 'a')).toThrow();
  });
  it('cannot open what another key sealed', () => {
    const sealed = new CredentialSealer('11'.repeat(32)).seal('secret', 'a');
    expect(() => new CredentialSealer('22'.repeat(32)).open(sealed, 'a')).toThrow();
  });
});
