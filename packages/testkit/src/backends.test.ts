import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { WEEKLY_SUBJECT, WELCOME_SUBJECT } from '@mailroom/mailserver';
import { BACKEND_KINDS, MINIMAL_HIDDEN_CAPABILITIES, startBackend, type RunningBackend } from './backends.js';

/** One raw IMAP conversation: sends the lines (tagged a1, a2, …) and returns everything the server said. */
async function rawImap(port: number, lines: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    let out = '';
    let next = 0;
    const sendNext = () => {
      const line = lines[next];
      if (line === undefined) return;
      next++;
      sock.write(`a${next} ${line}\r\n`);
    };
    sock.on('data', (d) => {
      out += d.toString('latin1');
      if (/(^|\r\n)\+ [^\r]*\r\n$/.test(out)) sock.write('DONE\r\n'); // end an accepted IDLE
      else if (next === 0 && out.includes('\r\n')) sendNext();
      else if (new RegExp(`\\r\\na${next} (OK|NO|BAD)[^\\r]*\\r\\n$`).test(`\r\n${out}`)) {
        if (next >= lines.length) sock.end();
        else sendNext();
      }
    });
    sock.on('error', reject);
    sock.on('close', () => resolve(out));
  });
}

function smtp(b: RunningBackend, auth = true) {
  return nodemailer.createTransport({
    host: b.submission.host,
    port: b.submission.port,
    secure: false,
    ignoreTLS: true,
    auth: auth ? { user: 'alice@demo.test', pass: 'demo' } : undefined,
  });
}

describe.each(BACKEND_KINDS)('the %s backend', (kind) => {
  let backend: RunningBackend;
  beforeAll(async () => {
    backend = await startBackend(kind, { perUser: 6, users: [{ email: 'carol@demo.test', password: 'secret' }] });
  });
  afterAll(async () => {
    await backend?.close();
  });

  it('serves the demo mail over IMAP, newest first as the demo has it, with special-use folders', async () => {
    const client = new ImapFlow({ host: backend.imap.host, port: backend.imap.port, secure: false, auth: { user: 'alice@demo.test', pass: 'demo' }, logger: false });
    await client.connect();
    try {
      const boxes = await client.list();
      for (const use of ['\\Sent', '\\Drafts', '\\Trash', '\\Junk', '\\Archive']) expect(boxes.some((m) => m.specialUse === use)).toBe(true);
      const box = await client.mailboxOpen('INBOX');
      expect(box.exists).toBe(6);
      const subjects: string[] = [];
      for await (const m of client.fetch('1:*', { envelope: true, flags: true })) subjects.push(m.envelope?.subject ?? '');
      expect(subjects.at(-1)).toBe(WELCOME_SUBJECT);
      expect(subjects.at(-2)).toBe(WEEKLY_SUBJECT);
    } finally {
      await client.logout();
    }
  });

  it('knows the extra user, and refuses a wrong password', async () => {
    const carol = new ImapFlow({ host: backend.imap.host, port: backend.imap.port, secure: false, auth: { user: 'carol@demo.test', pass: 'secret' }, logger: false });
    await carol.connect();
    await carol.logout();
    const wrong = new ImapFlow({ host: backend.imap.host, port: backend.imap.port, secure: false, auth: { user: 'alice@demo.test', pass: 'nope' }, logger: false });
    await expect(wrong.connect()).rejects.toThrow();
  });

  it('delivers local mail from an authenticated sender and refuses anonymous senders (and, on Postfix, other domains and unknown users)', async () => {
    const subject = `testkit ${kind} ${Date.now()}`;
    const info = await smtp(backend).sendMail({ from: 'alice@demo.test', to: 'carol@demo.test', subject, text: 'hello' });
    expect(info.accepted).toEqual(['carol@demo.test']);
    if (kind === 'dovecot-postfix') {
      // the test Postfix relays for nobody, so a remote recipient is refused at RCPT like a typo'd domain
      await expect(smtp(backend).sendMail({ from: 'alice@demo.test', to: 'someone@elsewhere.example', subject, text: 'x' })).rejects.toMatchObject({
        responseCode: 554,
        code: 'EENVELOPE',
      });
      await expect(smtp(backend).sendMail({ from: 'alice@demo.test', to: 'nobody@demo.test', subject, text: 'x' })).rejects.toMatchObject({ responseCode: 550 });
    }
    await expect(smtp(backend, false).sendMail({ from: 'alice@demo.test', to: 'carol@demo.test', subject, text: 'x' })).rejects.toThrow();

    // the MX-like port takes mail for local users without AUTH, and relays for nobody
    const mx = nodemailer.createTransport({ host: backend.smtp.host, port: backend.smtp.port, secure: false, ignoreTLS: true });
    expect((await mx.sendMail({ from: 'someone@elsewhere.example', to: 'carol@demo.test', subject: `${subject} via MX`, text: 'hi' })).accepted).toEqual(['carol@demo.test']);
    await expect(mx.sendMail({ from: 'someone@elsewhere.example', to: 'else@elsewhere.example', subject, text: 'x' })).rejects.toMatchObject({ code: 'EENVELOPE' });

    const carol = new ImapFlow({ host: backend.imap.host, port: backend.imap.port, secure: false, auth: { user: 'carol@demo.test', pass: 'secret' }, logger: false });
    await carol.connect();
    try {
      await expect
        .poll(
          async () => {
            const st = await carol.status('INBOX', { messages: true });
            return st ? st.messages : -1;
          },
          { timeout: 10_000, interval: 100 },
        )
        .toBe(2);
    } finally {
      await carol.logout();
    }
  });

  it(kind === 'embedded-minimal' ? 'hides SORT, ESEARCH, LIST-STATUS, IDLE … and refuses them' : 'offers SORT, ESEARCH, LIST-STATUS and IDLE', async () => {
    const out = await rawImap(backend.imap.port, [
      'LOGIN alice@demo.test demo',
      'CAPABILITY',
      'SELECT INBOX',
      'SORT (DATE) UTF-8 ALL',
      'SEARCH RETURN (COUNT) ALL',
      'LIST "" "INBOX" RETURN (STATUS (MESSAGES))',
      'IDLE',
      'LOGOUT',
    ]);
    const caps = /\* CAPABILITY ([^\r]*)\r\n/.exec(out)?.[1]?.split(' ') ?? [];
    const status = (n: number) => new RegExp(`\\r\\na${n} (OK|NO|BAD)`).exec(`\r\n${out}`)?.[1];
    if (kind === 'embedded-minimal') {
      for (const c of MINIMAL_HIDDEN_CAPABILITIES) expect(caps).not.toContain(c);
      expect(caps).not.toContain('QRESYNC');
      expect(status(4)).not.toBe('OK'); // SORT
      expect(status(5)).not.toBe('OK'); // SEARCH RETURN
      expect(status(6)).not.toBe('OK'); // LIST … RETURN (STATUS)
      expect(status(7)).not.toBe('OK'); // IDLE
    } else {
      for (const c of ['SORT', 'ESEARCH', 'LIST-STATUS', 'IDLE']) expect(caps).toContain(c);
      expect(status(4)).toBe('OK');
      expect(status(5)).toBe('OK');
      expect(status(6)).toBe('OK');
    }
  });
});

describe('startBackend', () => {
  it('refuses an unknown kind with a clear message', async () => {
    await expect(startBackend('exim' as never)).rejects.toThrow(/Unknown mail backend "exim"/);
  });
});
