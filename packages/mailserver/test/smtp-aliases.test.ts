import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aliasCommand, AdminCommandError } from '../src/mta-admin.js';
import { openStore, StoreError, type MailStore } from '../src/store/index.js';
import { startInboundSmtp } from '../src/smtp/inbound.js';
import { startSubmissionSmtp } from '../src/smtp/submission.js';
import type { SmtpListener } from '../src/smtp/listener.js';

// Aliases, catch-all and plus addressing on the MX port; identities (sender = own address or an
// alias delivering to the user) on submission; the RCPT-time quota check; `mailroom alias`.
let dir: string;
let store: MailStore;
let mx: SmtpListener;
let submission: SmtpListener;

async function inbox(email: string): Promise<string[]> {
  const user = store.findUser(email);
  if (!user) throw new Error(`no user ${email}`);
  const box = await store.getMailbox(user.id, 'INBOX');
  if (!box) throw new Error('no INBOX');
  const out: string[] = [];
  for (const uid of await store.listUids(box.id)) out.push((await store.getRaw(box.id, uid))?.toString('utf8') ?? '');
  return out;
}

function mxClient() {
  return nodemailer.createTransport({ host: '127.0.0.1', port: mx.port, secure: false, ignoreTLS: true, name: 'client.example.org' });
}

function submissionClient(user: string, pass: string) {
  return nodemailer.createTransport({ host: '127.0.0.1', port: submission.port, secure: false, ignoreTLS: true, auth: { user, pass } });
}

function failure(err: unknown): { code: number | undefined; response: string } {
  const e = err as { responseCode?: number; response?: string; message?: string };
  return { code: e.responseCode, response: String(e.response ?? e.message) };
}

async function send(to: string, subject: string): Promise<void> {
  await mxClient().sendMail({ envelope: { from: 'sender@remote.example', to: [to] }, raw: `From: sender@remote.example\r\nTo: ${to}\r\nSubject: ${subject}\r\n\r\nhello\r\n` });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mailroom-aliases-'));
  store = openStore({ path: path.join(dir, 'mail.sqlite') });
  store.addDomain('example.test');
  store.addDomain('other.test');
  store.createUser('alice@example.test', 'alice-pw');
  store.createUser('bob@example.test', 'bob-pw');
  store.createUser('olga@other.test', 'olga-pw');
  store.addAlias('sales@example.test', 'alice@example.test');
  store.addAlias('Info@Other.test', 'alice@example.test');
  store.addAlias('@other.test', 'olga@other.test');
  const common = { store, host: '127.0.0.1', port: 0, hostname: 'mx.example.test', maxMessageBytes: 1024 * 1024 };
  mx = await startInboundSmtp({ ...common, authChecks: false });
  submission = await startSubmissionSmtp({ ...common, allowInsecureAuth: true });
});

afterAll(async () => {
  await mx?.close();
  await submission?.close();
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('store aliases', () => {
  it('lists, refuses bad or clashing aliases with a clear error, and removes', () => {
    expect(store.listAliases().map((a) => [a.address, a.target.email])).toEqual([
      ['sales@example.test', 'alice@example.test'],
      ['@other.test', 'olga@other.test'],
      ['info@other.test', 'alice@example.test'],
    ]);
    const refused = (address: string, target: string): string => {
      try {
        store.addAlias(address, target);
      } catch (err) {
        expect(err).toBeInstanceOf(StoreError);
        return (err as Error).message;
      }
      throw new Error(`accepted ${address}`);
    };
    expect(refused('x@remote.example', 'alice@example.test')).toMatch(/remote\.example is not a local domain/);
    expect(refused('x@example.test', 'ghost@example.test')).toMatch(/No such user: ghost@example\.test/);
    expect(refused('bob@example.test', 'alice@example.test')).toMatch(/is a user/);
    expect(refused('sales@example.test', 'bob@example.test')).toMatch(/already exists \(delivers to alice@example\.test\)/);
    expect(refused('a+b@example.test', 'bob@example.test')).toMatch(/Invalid local part/);
    expect(refused('a%b@example.test', 'bob@example.test')).toMatch(/Invalid local part/);
    expect(refused('no-at-sign', 'bob@example.test')).toMatch(/use local@domain, or @domain/);
    store.addAlias('temp@example.test', 'bob@example.test');
    expect(store.findAlias('TEMP@example.test')?.email).toBe('bob@example.test');
    expect(store.removeAlias('temp@example.test')).toBe(true);
    expect(store.removeAlias('temp@example.test')).toBe(false);
    expect(store.findAlias('temp@example.test')).toBeNull();
  });

  it('an existing store (without the aliases table) opens and gets it', () => {
    const file = path.join(dir, 'old.sqlite');
    const old = openStore({ path: file });
    old.addDomain('old.test');
    old.createUser('u@old.test', 'pw');
    old.close();
    const db = new Database(file);
    db.exec('DROP TABLE aliases');
    db.close();
    const reopened = openStore({ path: file });
    try {
      reopened.addAlias('postmaster@old.test', 'u@old.test');
      expect(reopened.findAlias('postmaster@old.test')?.email).toBe('u@old.test');
    } finally {
      reopened.close();
    }
  });
});

describe('inbound delivery to aliases', () => {
  it('delivers mail for an alias (any case, with a +tag) to its user', async () => {
    const before = (await inbox('alice@example.test')).length;
    await send('sales@example.test', 'to the sales alias');
    await send('SALES+leads@Example.test', 'to the alias with a tag');
    await send('info@other.test', 'alias in another domain');
    const after = await inbox('alice@example.test');
    expect(after).toHaveLength(before + 3);
    expect(after[before]).toContain('Subject: to the sales alias');
    expect(after[before]).toMatch(/^Return-Path: <sender@remote\.example>\r\nReceived: [^]*for <sales@example\.test>;/);
    expect(after[before + 1]).toMatch(/for <SALES\+leads@example\.test>/i);
  });

  it('plus addressing delivers user+tag@domain to the user', async () => {
    const before = (await inbox('bob@example.test')).length;
    await send('bob+newsletters@example.test', 'plus addressed');
    const after = await inbox('bob@example.test');
    expect(after).toHaveLength(before + 1);
    expect(after[before]).toContain('Subject: plus addressed');
  });

  it('the catch-all takes unknown addresses of its domain; users and aliases keep theirs', async () => {
    const olga = (await inbox('olga@other.test')).length;
    const alice = (await inbox('alice@example.test')).length;
    await send('whoever@other.test', 'to nobody in particular');
    await send('olga+x@other.test', 'to olga herself');
    await send('info@other.test', 'to the info alias');
    const olgaAfter = await inbox('olga@other.test');
    expect(olgaAfter).toHaveLength(olga + 2);
    expect(olgaAfter[olga]).toContain('for <whoever@other.test>');
    expect(await inbox('alice@example.test')).toHaveLength(alice + 1);
  });

  it('an unknown user of a domain without catch-all still gets 550 5.1.1 with a clear text', async () => {
    const err = await send('nobody@example.test', 'lost').then(
      () => null,
      (e: unknown) => e,
    );
    expect(failure(err).code).toBe(550);
    expect(failure(err).response).toContain('550 5.1.1 <nobody@example.test>: no such user here');
  });

  it('relay tricks are refused even where a catch-all would take the address', async () => {
    const err = await send('someone%remote.example@other.test', 'percent hack').then(
      () => null,
      (e: unknown) => e,
    );
    expect(failure(err).response).toContain('550 5.7.1 Relay access denied: percent-hack routing');
  });
});

describe('submission identities', () => {
  it('lets a user send as an alias of theirs (envelope and From), with a +tag too', async () => {
    const before = (await inbox('bob@example.test')).length;
    for (const from of ['sales@example.test', 'sales+q3@example.test', 'info@other.test']) {
      const info = await submissionClient('alice@example.test', 'alice-pw').sendMail({
        envelope: { from, to: ['bob@example.test'] },
        raw: `From: Alice (Sales) <${from}>\r\nTo: bob@example.test\r\nSubject: from ${from}\r\n\r\nhi\r\n`,
      });
      expect(info.accepted).toEqual(['bob@example.test']);
    }
    expect(await inbox('bob@example.test')).toHaveLength(before + 3);
  });

  it("refuses another user's address or alias, and a remote address, with 553 5.7.1", async () => {
    for (const from of ['alice@example.test', 'sales@example.test', 'ceo@remote.example', 'olga@other.test']) {
      const err = await submissionClient('bob@example.test', 'bob-pw')
        .sendMail({ envelope: { from, to: ['alice@example.test'] }, raw: `From: ${from}\r\nSubject: spoof\r\n\r\nhi\r\n` })
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(failure(err).code, from).toBe(553);
      expect(failure(err).response).toContain(`553 5.7.1 Sender address <${from}> rejected: not owned by the authenticated user bob@example.test`);
    }
  });

  it('refuses a From header with an alias of someone else even when the envelope is allowed', async () => {
    const before = (await inbox('alice@example.test')).length;
    const err = await submissionClient('bob@example.test', 'bob-pw')
      .sendMail({ envelope: { from: 'bob@example.test', to: ['alice@example.test'] }, raw: 'From: Sales <sales@example.test>\r\nSubject: spoof\r\n\r\nhi\r\n' })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(failure(err).code).toBe(550);
    expect(failure(err).response).toContain('550 5.7.1 From/Sender header address <sales@example.test> is not owned by the authenticated user bob@example.test');
    expect(await inbox('alice@example.test')).toHaveLength(before);
  });
});

describe('quota at RCPT time', () => {
  it('answers 452 4.2.2 for a full mailbox before DATA, and 552 5.2.2 when the declared SIZE can never fit', async () => {
    store.createUser('tiny@example.test', 'tiny-pw');
    await store.deliver('tiny@example.test', Buffer.from('Subject: first\r\n\r\nfills it\r\n'));
    store.setQuota('tiny@example.test', 20);
    const err = await send('tiny@example.test', 'one more').then(
      () => null,
      (e: unknown) => e,
    );
    expect(failure(err).code).toBe(452);
    expect(failure(err).response).toContain('452 4.2.2 <tiny@example.test>: mailbox full');
    expect(failure(err).response).not.toMatch(/DATA/i);

    store.setQuota('tiny@example.test', 100_000);
    const size = nodemailer.createTransport({ host: '127.0.0.1', port: mx.port, secure: false, ignoreTLS: true });
    const big = await size
      .sendMail({ envelope: { from: 'a@remote.example', to: ['tiny@example.test'], size: 200_000 } as never, raw: 'Subject: x\r\n\r\ny\r\n' })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(failure(big).response).toContain('552 5.2.2 <tiny@example.test>: message is larger than the mailbox quota');
  });
});

describe('mailroom alias', () => {
  it('adds, lists and removes aliases in a data dir, and explains errors', () => {
    const data = mkdtempSync(path.join(tmpdir(), 'mailroom-alias-cli-'));
    try {
      const s = openStore({ path: path.join(data, 'mail.sqlite') });
      s.addDomain('cli.test');
      s.createUser('carl@cli.test', 'pw');
      s.close();
      expect(aliasCommand(data, ['list'])).toBe('No aliases.\n');
      expect(aliasCommand(data, ['add', 'Help@cli.test', 'carl@cli.test'])).toBe(
        'Alias help@cli.test added: mail goes to carl@cli.test, who may also send as this address.\n',
      );
      expect(aliasCommand(data, ['add', '@cli.test', 'carl@cli.test'])).toContain('Catch-all @cli.test added');
      expect(aliasCommand(data, ['list'])).toBe('@cli.test      → carl@cli.test  (catch-all)\nhelp@cli.test  → carl@cli.test\n');
      expect(() => aliasCommand(data, ['add', 'x@cli.test', 'nobody@cli.test'])).toThrow(/No such user: nobody@cli\.test/);
      expect(() => aliasCommand(data, ['add', 'x@cli.test'])).toThrow(AdminCommandError);
      expect(() => aliasCommand(data, ['frob'])).toThrow(/usage: mailroom alias add ADDRESS USER/);
      expect(aliasCommand(data, ['remove', 'help@cli.test'])).toBe('Removed help@cli.test.\n');
      expect(() => aliasCommand(data, ['remove', 'help@cli.test'])).toThrow(/no alias help@cli\.test/);
      expect(() => aliasCommand(path.join(data, 'missing'), ['list'])).toThrow(/no mail store at/);
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});
