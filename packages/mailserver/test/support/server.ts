/** Starts the real mail server (startMailServer) on 127.0.0.1, port 0, in a temp data dir. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { startMailServer, type RunningMailServer } from '../../src/index.js';

export const INTEROP_USER = 'carol@interop.test';
export const INTEROP_PASS = 'p4ss w0rd"\\x';
/** A password with no characters that need quoting in URLs or IMAP strings (curl, mbsync). */
export const SIMPLE_PASS = 'interop-secret-42';

export interface InteropServer {
  server: RunningMailServer;
  port: number;
  dataDir: string;
  close(): Promise<void>;
}

export async function startInteropServer(users: Array<{ email: string; password: string }>): Promise<InteropServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-interop-'));
  const server = await startMailServer({ dataDir, host: '127.0.0.1', ports: { imap: 0, smtp: 0, submission: 0 } });
  for (const u of users) server.store.createUser(u.email, u.password);
  return {
    server,
    port: server.ports.imap,
    dataDir,
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function composeMessage(opts: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> {
  return new MailComposer(opts).compile().build();
}
