import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function startCli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/server/src/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = (re: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const m = re.exec(out);
        if (m) return resolve(m);
        if (child.exitCode !== null) return reject(new Error(`exited ${child.exitCode}: ${out}${err}`));
        setTimeout(check, 50);
      };
      check();
    });
  return { child, exited, waitFor, output: () => out + err };
}

describe('mailroom demo', () => {
  it('starts the whole stack on loopback, answers health, and stops cleanly on Ctrl-C', async () => {
    const cli = startCli(['demo'], { PORT: '0', IMAP_PORT: '0', SMTP_PORT: '0', SUBMISSION_PORT: '0', POP3_PORT: '0', IMAPS_PORT: '0', SUBMISSIONS_PORT: '0' });
    const url = (await cli.waitFor(/running: (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
    const dataDir = (await cli.waitFor(/Data: (\S+) \(temporary/))[1]!;
    expect(cli.output()).toContain('alice@demo.test');
    expect(existsSync(dataDir)).toBe(true);
    const health = await fetch(`${url}/api/health`);
    expect(health.status).toBe(200);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/mailroom_outbound_queue_messages 0/);
    expect(metrics).toMatch(/mailroom_deliveries_total 0/);
    // one message over SMTP (MX) to two users: two deliveries
    const smtpPort = Number(/SMTP \(MX\) 127\.0\.0\.1:(\d+)/.exec(cli.output())![1]);
    const nodemailer = (await import('nodemailer')).default;
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true, tls: { rejectUnauthorized: false } });
    await transport.sendMail({ from: 'carol@elsewhere.test', to: ['alice@demo.test', 'bob@demo.test'], subject: 'counted', text: 'hi' });
    transport.close();
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/mailroom_deliveries_total 2/);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('drains live-update streams and IMAP connections on SIGTERM', async () => {
    const cli = startCli(['demo'], { PORT: '0', IMAP_PORT: '0', SMTP_PORT: '0', SUBMISSION_PORT: '0', POP3_PORT: '0', IMAPS_PORT: '0', SUBMISSIONS_PORT: '0' });
    const url = (await cli.waitFor(/running: (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
    const first = await fetch(`${url}/api/session`);
    const csrf = /mr_csrf=([^;]+)/.exec(first.headers.get('set-cookie') ?? '')![1]!;
    const login = await fetch(`${url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf, cookie: `mr_csrf=${csrf}` },
      body: JSON.stringify({ email: 'alice@demo.test', password: 'demo' }),
    });
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const events = await fetch(`${url}/api/events`, { headers: { cookie } });
    const reader = events.body!.getReader();
    let text = '';
    while (!text.includes('"watching"')) text += new TextDecoder().decode((await reader.read()).value);
    cli.child.kill('SIGTERM');
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(text).toContain('event: shutdown');
    expect(await cli.exited).toBe(0);
  });

  it('keeps the data when --data is given, and seeds only once', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const os = await import('node:os');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mailroom-cli-'));
    try {
      for (let i = 0; i < 2; i++) {
        const cli = startCli(['demo', '--data', dir], { PORT: '0', IMAP_PORT: '0', SMTP_PORT: '0', SUBMISSION_PORT: '0', POP3_PORT: '0', IMAPS_PORT: '0', SUBMISSIONS_PORT: '0' });
        await cli.waitFor(/running: http/);
        cli.child.kill('SIGTERM');
        expect(await cli.exited).toBe(0);
        expect(existsSync(path.join(dir, 'mail.sqlite'))).toBe(true);
      }
      const { openStore, DEMO_PER_USER } = await import('@mailroom/mailserver');
      const store = openStore({ path: path.join(dir, 'mail.sqlite') });
      try {
        const alice = store.findUser('alice@demo.test')!;
        const inbox = (await store.getMailbox(alice.id, 'INBOX'))!;
        expect((await store.mailboxStatus(inbox.id)).messages).toBe(DEMO_PER_USER);
      } finally {
        store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves IMAP over implicit TLS (self-signed) on IMAPS_PORT and STARTTLS on IMAP_PORT', async () => {
    const { ImapFlow } = await import('imapflow');
    const cli = startCli(['demo'], { PORT: '0', IMAP_PORT: '0', SMTP_PORT: '0', SUBMISSION_PORT: '0', POP3_PORT: '0', IMAPS_PORT: '0', SUBMISSIONS_PORT: '0' });
    const m = await cli.waitFor(/IMAP 127\.0\.0\.1:(\d+)\s+IMAPS 127\.0\.0\.1:(\d+)/);
    try {
      for (const [port, secure] of [[Number(m[2]), true], [Number(m[1]), false]] as const) {
        const client = new ImapFlow({
          host: '127.0.0.1', port, secure, doSTARTTLS: secure ? undefined : true, tls: { rejectUnauthorized: false },
          auth: { user: 'alice@demo.test', pass: 'demo' }, logger: false,
        });
        await client.connect();
        expect(client.secureConnection).toBe(true);
        expect((await client.mailboxOpen('INBOX')).exists).toBeGreaterThan(0);
        await client.logout();
      }
    } finally {
      cli.child.kill('SIGTERM');
    }
    expect(await cli.exited).toBe(0);
  });

  it('says clearly when a port is taken', async () => {
    const net = await import('node:net');
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const cli = startCli(['demo'], { PORT: '0', IMAP_PORT: String(port), SMTP_PORT: '0', SUBMISSION_PORT: '0', POP3_PORT: '0', IMAPS_PORT: '0', SUBMISSIONS_PORT: '0' });
      expect(await cli.exited).toBe(1);
      expect(cli.output()).toMatch(new RegExp(`${port}.*(in use|already)`, 'i'));
    } finally {
      blocker.close();
    }
  });

  it('rejects an unknown command and a bad setting with a message', async () => {
    const unknown = startCli(['frobnicate']);
    expect(await unknown.exited).toBe(2);
    expect(unknown.output()).toContain('Unknown command');
    const bad = startCli(['demo'], { PORT: 'eighty' });
    expect(await bad.exited).toBe(1);
    expect(bad.output()).toMatch(/PORT/);
  });
});

describe('mailroom serve', () => {
  it('runs the standalone stack: TLS-only authentication, webmail sign-in over TLS, certificate and session key kept in the data directory', async () => {
    const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
    const os = await import('node:os');
    const net = await import('node:net');
    const { openStore } = await import('@mailroom/mailserver');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mailroom-serve-'));
    const store = openStore({ path: path.join(dir, 'mail.sqlite') });
    store.addDomain('example.org');
    store.createUser('carol@example.org', 'correct horse');
    store.close();
    const env = { PORT: '0', IMAP_PORT: '0', SMTP_PORT: '0', SUBMISSION_PORT: '0', POP3_PORT: '0', IMAPS_PORT: '0', SUBMISSIONS_PORT: '0', MAIL_HOST: '127.0.0.1', MAIL_HOSTNAME: 'mail.example.org', LOG_LEVEL: 'silent' };
    const ready = /Mailroom on (http:\/\/\S+)\n\s+IMAP (\d+) \(STARTTLS\)\s+IMAPS (\d+)/;
    try {
      const cli = startCli(['serve', '--data', dir], env);
      const m = await cli.waitFor(ready);
      try {
        expect(cli.output()).toContain('Users: 1');
        // plaintext IMAP: LOGINDISABLED until STARTTLS
        const capability = await new Promise<string>((resolve, reject) => {
          const socket = net.connect(Number(m[2]), '127.0.0.1');
          let text = '';
          socket.on('data', (c: Buffer) => {
            text += c.toString();
            if (text.includes('* OK') && !text.includes('CAPABILITY\r\n')) socket.write('a CAPABILITY\r\n');
            if (/^a OK/m.test(text)) {
              socket.end();
              resolve(text);
            }
          });
          socket.on('error', reject);
        });
        expect(capability).toMatch(/LOGINDISABLED/);
        expect(capability).toMatch(/STARTTLS/);
        // the webmail signs in (it reaches the mail server over implicit TLS)
        const url = m[1]!;
        const csrf = /mr_csrf=([^;]+)/.exec((await fetch(`${url}/api/session`)).headers.get('set-cookie') ?? '')![1]!;
        const signIn = (password: string) =>
          fetch(`${url}/api/session`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-csrf-token': csrf, cookie: `mr_csrf=${csrf}` },
            body: JSON.stringify({ email: 'carol@example.org', password }),
          });
        const login = await signIn('correct horse');
        expect(login.status).toBe(200);
        const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
        const boxes = (await (await fetch(`${url}/api/mailboxes`, { headers: { cookie } })).json()) as { mailboxes: Array<{ path: string }> };
        expect(boxes.mailboxes.map((b) => b.path)).toEqual(expect.arrayContaining(['INBOX', 'Sent', 'Drafts']));
        expect((await signIn('nope')).status).toBe(401);
      } finally {
        cli.child.kill('SIGTERM');
      }
      expect(await cli.exited).toBe(0);
      const cert = readFileSync(path.join(dir, 'tls', 'self-signed.crt'), 'utf8');
      const key = readFileSync(path.join(dir, 'session.key'), 'utf8');
      // a restart keeps the certificate (clients that accepted it keep working) and the session key
      const again = startCli(['serve', '--data', dir], env);
      await again.waitFor(ready);
      again.child.kill('SIGTERM');
      expect(await again.exited).toBe(0);
      expect(readFileSync(path.join(dir, 'tls', 'self-signed.crt'), 'utf8')).toBe(cert);
      expect(readFileSync(path.join(dir, 'session.key'), 'utf8')).toBe(key);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start without a data directory', async () => {
    const cli = startCli(['serve'], { DATA_DIR: '' });
    expect(await cli.exited).toBe(1);
    expect(cli.output()).toContain('serve needs --data DIR');
  });
});
