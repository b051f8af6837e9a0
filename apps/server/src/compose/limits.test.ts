import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { composeLimits, smtpFeatures, MAX_UNDO_DELAY_MS } from './limits.js';

const listen = async (options: ConstructorParameters<typeof SMTPServer>[0]) => {
  let connections = 0;
  const server = new SMTPServer({ authOptional: true, disabledCommands: ['STARTTLS'], logger: false, ...options, onConnect: (_s, cb) => (connections++, cb()) });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { server, port, connections: () => connections };
};

describe('compose limits', () => {
  let big: Awaited<ReturnType<typeof listen>>;
  let plain: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    big = await listen({ size: 1_234_567 });
    plain = await listen({ hideSMTPUTF8: true });
  });
  afterAll(async () => {
    await new Promise<void>((r) => big.server.close(() => r()));
    await new Promise<void>((r) => plain.server.close(() => r()));
  });

  const endpoint = (port: number) => ({ host: '127.0.0.1', port, secure: false, allowSelfSigned: false });

  it('reads SIZE and SMTPUTF8 from EHLO without sending, and asks each server only once for a while', async () => {
    expect(await smtpFeatures(endpoint(big.port))).toEqual({ size: 1_234_567, smtpUtf8: true });
    expect(await smtpFeatures(endpoint(big.port))).toEqual({ size: 1_234_567, smtpUtf8: true });
    expect(big.connections()).toBe(1);
    expect(await smtpFeatures(endpoint(plain.port))).toEqual({ size: null, smtpUtf8: false });
  });

  it('is null for a server that cannot be reached, and asks again next time', async () => {
    const gone = await listen({});
    const port = gone.port;
    await new Promise<void>((r) => gone.server.close(() => r()));
    expect(await smtpFeatures(endpoint(port))).toBeNull();
  });

  it('takes the smallest of the webmail limit, SMTP SIZE and IMAP APPENDLIMIT', () => {
    expect(composeLimits(25_000_000, { size: 10_000_000, smtpUtf8: true }, null)).toEqual({ maxMessageBytes: 10_000_000, smtpUtf8: true, maxUndoDelayMs: MAX_UNDO_DELAY_MS });
    expect(composeLimits(25_000_000, { size: null, smtpUtf8: false }, 5_000_000).maxMessageBytes).toBe(5_000_000);
    expect(composeLimits(1_000, { size: 10_000_000, smtpUtf8: false }, 5_000_000).maxMessageBytes).toBe(1_000);
    expect(composeLimits(2_000, null, null)).toEqual({ maxMessageBytes: 2_000, smtpUtf8: false, maxUndoDelayMs: 60_000 });
  });
});
