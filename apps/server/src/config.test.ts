import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has a default for everything', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8080, imapPort: 1143, smtpPort: 2525, submissionPort: 1587, imapSecure: false });
  });
  it('reads the environment', () => {
    const c = loadConfig({ PORT: '9000', IMAP_HOST: 'imap.example.org', IMAP_SECURE: 'true', SUBMISSION_PORT: '587' });
    expect(c).toMatchObject({ port: 9000, imapHost: 'imap.example.org', imapSecure: true, submissionPort: 587 });
  });
  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ SESSION_KEY: 'short' })).toThrow(/SESSION_KEY/);
  });
});
