/** Helpers for the outbound queue tests: a scriptable remote MX on loopback, mailbox readers. */
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import type { MailStore } from '../src/store/index.js';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: Buffer;
  connection: string;
  /** Whether the session was under TLS (STARTTLS) when DATA ended. */
  secure: boolean;
}

export interface FakeMx {
  port: number;
  received: ReceivedMail[];
  /** Connections opened so far. */
  connections: number;
  /** Highest number of simultaneous connections seen. */
  maxConcurrent: number;
  /** Decides the RCPT reply: return an error text like '451 4.3.0 try later' or null to accept. */
  rcpt: (address: string, session: SMTPServerSession) => string | null;
  /** Decides the reply to the end of DATA: an error text or null to accept. */
  data: (raw: Buffer) => string | null;
  close(): Promise<void>;
}

function smtpError(reply: string): Error {
  const code = Number(reply.slice(0, 3));
  const err = new Error(reply.slice(4)) as Error & { responseCode: number };
  err.responseCode = code;
  return err;
}

/** A minimal remote MX (npm smtp-server) that records what it receives. */
export async function startFakeMx(opts: { tls?: { key: string; cert: string } } = {}): Promise<FakeMx> {
  let active = 0;
  const mx: FakeMx = {
    port: 0,
    received: [],
    connections: 0,
    maxConcurrent: 0,
    rcpt: () => null,
    data: () => null,
    close: () => Promise.resolve(),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH'],
    disableReverseLookup: true,
    hideSTARTTLS: !opts.tls,
    ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : {}),
    logger: false,
    onConnect(_session, callback) {
      mx.connections++;
      active++;
      mx.maxConcurrent = Math.max(mx.maxConcurrent, active);
      callback();
    },
    onClose() {
      active--;
    },
    onRcptTo(address, session, callback) {
      const reply = mx.rcpt(address.address, session);
      callback(reply ? smtpError(reply) : undefined);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const reply = mx.data(Buffer.concat(chunks));
        if (reply) return callback(smtpError(reply));
        mx.received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
          connection: session.id,
          secure: session.secure,
        });
        callback();
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  mx.port = typeof address === 'object' && address ? address.port : 0;
  mx.close = () =>
    new Promise<void>((resolve) => {
      for (const c of server.connections) {
        try {
          c.close();
        } catch {
          // gone
        }
      }
      server.close(() => resolve());
    });
  return mx;
}

/** The raw messages in a user's mailbox. */
export async function mailbox(store: MailStore, email: string, name = 'INBOX'): Promise<Buffer[]> {
  const user = store.findUser(email);
  if (!user) throw new Error(`no user ${email}`);
  const box = await store.getMailbox(user.id, name);
  if (!box) throw new Error(`no ${name}`);
  const out: Buffer[] = [];
  for (const uid of await store.listUids(box.id)) out.push((await store.getRaw(box.id, uid)) ?? Buffer.alloc(0));
  return out;
}

/** Polls `check` until it returns a value (not a timing assertion: it only bounds the wait). */
export async function waitFor<T>(check: () => Promise<T | undefined | null | false> | T | undefined | null | false, what: string, limitMs = 10_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 1;
      srv.close(() => resolve(port));
    });
  });
}
