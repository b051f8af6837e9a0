#!/usr/bin/env node
// The `mailroom` command line: demo | webmail | mailserver | serve | user | domain | queue | export | import | backup | restore.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AdminCommandError, aliasCommand, domainCommand, exportMaildir, importMaildir, MaildirError, openStore, queueCommand, startMailServer, userCommand } from '@mailroom/mailserver';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger } from './logger.js';
import { BackupError, backup, restore } from './backup.js';
import { DEMO_PASSWORD, DEMO_USERS, mailTls, startDemo, startStandalone, startWebmail } from './run.js';

const USAGE = `Usage: mailroom <command> [options]

Commands:
  demo [--data DIR]       embedded mail server + webmail on 127.0.0.1, demo.test seeded
                          (alice@demo.test / bob@demo.test, password "demo")
  webmail                 the webmail only, for an existing IMAP + SMTP server (IMAP_HOST, SUBMISSION_HOST …)
  mailserver --data DIR   the embedded mail server alone (IMAP, SMTP, submission, POP3; TLS as for serve)
  serve --data DIR        standalone: webmail + embedded mail server with TLS, outbound queue, DKIM and
                          the users of \`mailroom user add\` (MAIL_HOST, TLS_CERT_FILE, TLS_KEY_FILE, ports below)
  export --data DIR --maildir DIR [--user EMAIL …]
                          write the users' mail (default: every user) to Maildir++ (DIR/<domain>/<localpart>/) for Dovecot
  import --data DIR --maildir DIR [--user EMAIL …]
                          read Maildir++ (DIR/<domain>/<localpart>/) into existing users (default: all found)
  backup --data DIR --out DIR
                          consistent copy of all standalone data (mail, queue, webmail data, keys), with checksums
  restore --from DIR --data DIR [--force]
                          check a backup and put it back (stop the server first; --force replaces existing data)
  queue list|flush [ID]|delete ID --data DIR
                          the outbound queue: show it, retry now, or drop a message without notice
  domain add DOMAIN --data DIR [--mx HOST] [--selector NAME]
                          add a mail domain, make its DKIM key, print its MX/SPF/DKIM/DMARC records
  alias add ADDRESS USER | alias remove ADDRESS | alias list --data DIR
                          mail for ADDRESS (name@domain, or @domain: catch-all) goes to USER, who may send as it
  user add|passwd EMAIL --data DIR
                          create a user (with Drafts, Sent, Trash, Junk, Archive) or set a password;
                          the password is read from standard input (a prompt on a terminal)
  user list | quota EMAIL SIZE|none | delete EMAIL --force   (--data DIR)
                          list users, set a storage limit (e.g. 2G), delete a user and their mail

Environment: PORT (8080), IMAP_PORT (1143), IMAPS_PORT (1993), SMTP_PORT (2525), SUBMISSION_PORT (1587), SUBMISSIONS_PORT (1465), POP3_PORT (1110), LOG_LEVEL …
See docs/configuration.md for every option.`;

const SHUTDOWN_GRACE_MS = 10_000;

function onShutdown(close: () => Promise<void>) {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      process.stderr.write('Forced exit.\n');
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(`\n${signal} received, stopping…\n`);
    const force = setTimeout(() => {
      process.stderr.write('Shutdown took too long; exiting.\n');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`error while stopping: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** `mailroom export|import`: moves mail between the store (DIR/mail.sqlite) and Maildir++. */
async function maildirCommand(command: 'export' | 'import', dataDir: string | undefined, maildir: string | undefined, users: string[]): Promise<number> {
  users = [...users];
  if (!dataDir) throw new ConfigError(`${command} needs --data DIR (or DATA_DIR)`);
  if (!maildir) throw new ConfigError(`${command} needs --maildir DIR`);
  const dbFile = path.join(dataDir, 'mail.sqlite');
  if (!existsSync(dbFile)) throw new ConfigError(`no mail store at ${dbFile}`);
  const store = openStore({ path: dbFile });
  if (command === 'export' && !users.length) users = store.listUsers().map((u) => u.email);
  try {
    if (command === 'export') {
      for (const r of await exportMaildir(store, { root: maildir, users })) {
        process.stdout.write(`${r.email}: ${r.messages} messages in ${r.folders} folders → ${r.dir}\n`);
        for (const w of r.warnings) process.stderr.write(`  warning: ${w}\n`);
      }
      return 0;
    }
    const res = await importMaildir(store, { root: maildir, users: users.length ? users : undefined });
    for (const r of res.users) {
      process.stdout.write(`${r.email}: ${r.imported} messages imported, ${r.skipped} already there, ${r.folders} folders from ${r.dir}\n`);
      for (const w of r.warnings) process.stderr.write(`  warning: ${w}\n`);
    }
    for (const u of res.unknownUsers) process.stderr.write(`skipped ${u}: no such user in this store (create the user first)\n`);
    return res.unknownUsers.length ? 1 : 0;
  } catch (err) {
    if (err instanceof MaildirError) throw new ConfigError(err.message);
    throw err;
  } finally {
    store.close();
  }
}

/** A password from standard input: typed at a hidden prompt on a terminal, else the first line piped in. */
async function readPassword(): Promise<string> {
  const stdin = process.stdin;
  if (stdin.isTTY) {
    process.stderr.write('Password: ');
    stdin.setRawMode(true);
    return new Promise((resolve, reject) => {
      let typed = '';
      const onData = (chunk: Buffer) => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n') {
            done();
            resolve(typed);
            return;
          }
          if (ch === '\u0003') {
            done();
            reject(new ConfigError('cancelled'));
            return;
          }
          typed = ch === '\u007f' ? typed.slice(0, -1) : typed + ch;
        }
      };
      const done = () => {
        stdin.off('data', onData);
        stdin.setRawMode(false);
        stdin.pause();
        process.stderr.write('\n');
      };
      stdin.on('data', onData);
      stdin.resume();
    });
  }
  let input = '';
  for await (const chunk of stdin) {
    input += (chunk as Buffer).toString('utf8');
    if (input.includes('\n')) break;
  }
  return input.split('\n')[0] ?? '';
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      port: { type: 'string' },
      maildir: { type: 'string' },
      user: { type: 'string', multiple: true },
      out: { type: 'string' },
      from: { type: 'string' },
      force: { type: 'boolean' },
      mx: { type: 'string' },
      selector: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command || values.help ? 0 : 2;
  }
  const overrides: Partial<Record<keyof Config, unknown>> = { dataDir: values.data, port: values.port };

  switch (command) {
    case 'demo': {
      const config = loadConfig(process.env, { logLevel: process.env.LOG_LEVEL ?? 'warn', ...overrides });
      process.stdout.write('Starting the Mailroom demo…\n');
      const running = await startDemo(config);
      onShutdown(() => running.close());
      const ports = running.mail!.ports;
      process.stdout.write(
        [
          '',
          `  Mailroom demo is running: ${running.url}`,
          '',
          `  Sign in as ${DEMO_USERS.join(' or ')} with the password "${DEMO_PASSWORD}".`,
          `  IMAP 127.0.0.1:${ports.imap}   IMAPS 127.0.0.1:${ports.imaps ?? '-'} (self-signed)   SMTP (MX) 127.0.0.1:${ports.smtp}   submission 127.0.0.1:${ports.submission} (TLS: ${ports.submissions ?? '-'})   POP3 127.0.0.1:${ports.pop3}`,
          `  Data: ${running.dataDir}${config.dataDir ? '' : ' (temporary, removed on exit)'}`,
          '',
          '  Press Ctrl-C to stop.',
          '',
        ].join('\n'),
      );
      return -1;
    }
    case 'webmail': {
      const config = loadConfig(process.env, overrides);
      const running = await startWebmail(config);
      onShutdown(() => running.close());
      process.stdout.write(`Mailroom webmail on ${running.url} (IMAP ${config.imapHost}:${config.imapPort}, submission ${config.submissionHost}:${config.submissionPort})\n`);
      return -1;
    }
    case 'mailserver': {
      const config = loadConfig(process.env, overrides);
      if (!config.dataDir) throw new ConfigError('mailserver needs --data DIR (or DATA_DIR)');
      const hostname = config.mailHostname ?? os.hostname();
      const tls = await mailTls(config, config.dataDir, hostname);
      const mail = await startMailServer({
        dataDir: config.dataDir,
        host: config.mailHost,
        hostname,
        ports: { imap: config.imapPort, imaps: config.imapsPort, smtp: config.smtpPort, submission: config.submissionPort, submissions: config.submissionsPort, pop3: config.pop3Port },
        tls: { key: tls.key, cert: tls.cert },
        maxMessageBytes: config.maxMessageBytes,
        logger: createLogger(config.logLevel).child({ component: 'mailserver' }),
      });
      onShutdown(() => mail.close());
      const p = mail.ports;
      process.stdout.write(
        `Mailroom mail server on ${config.mailHost}: IMAP ${p.imap} (STARTTLS), IMAPS ${p.imaps}, SMTP ${p.smtp}, submission ${p.submission} (STARTTLS), submissions ${p.submissions}, POP3 ${p.pop3}\n`,
      );
      return -1;
    }
    case 'export':
    case 'import':
      return maildirCommand(command, loadConfig(process.env, overrides).dataDir, values.maildir, values.user ?? []);
    case 'backup': {
      const dataDir = loadConfig(process.env, overrides).dataDir;
      if (!dataDir || !values.out) throw new ConfigError('backup needs --data DIR and --out DIR');
      const manifest = await backup(dataDir, values.out);
      process.stdout.write(`Backed up ${manifest.files.length} files from ${dataDir} to ${values.out}\n`);
      return 0;
    }
    case 'restore': {
      const dataDir = loadConfig(process.env, overrides).dataDir;
      if (!dataDir || !values.from) throw new ConfigError('restore needs --from DIR and --data DIR');
      const manifest = restore(values.from, dataDir, { force: values.force });
      process.stdout.write(`Restored ${manifest.files.length} files (backup of ${manifest.createdAt}) into ${dataDir}\n`);
      return 0;
    }
    case 'user': {
      const dataDir = loadConfig(process.env, overrides).dataDir;
      if (!dataDir) throw new ConfigError('user needs --data DIR (or DATA_DIR)');
      try {
        process.stdout.write(await userCommand(dataDir, positionals.slice(1), { readPassword, force: values.force }));
        return 0;
      } catch (err) {
        if (!(err instanceof AdminCommandError)) throw err;
        process.stderr.write(`mailroom: ${err.message}\n`);
        return 2;
      }
    }
    case 'queue':
    case 'alias':
    case 'domain': {
      const dataDir = loadConfig(process.env, overrides).dataDir;
      if (!dataDir) throw new ConfigError(`${command} needs --data DIR (or DATA_DIR)`);
      try {
        const args = positionals.slice(1);
        process.stdout.write(
          command === 'queue'
            ? queueCommand(dataDir, args)
            : command === 'alias'
              ? aliasCommand(dataDir, args)
              : domainCommand(dataDir, args, { mxHost: values.mx, selector: values.selector }),
        );
        return 0;
      } catch (err) {
        if (!(err instanceof AdminCommandError)) throw err;
        process.stderr.write(`mailroom: ${err.message}\n`);
        return 2;
      }
    }
    case 'serve': {
      const config = loadConfig(process.env, overrides);
      if (!config.dataDir) throw new ConfigError('serve needs --data DIR (or DATA_DIR)');
      const running = await startStandalone(config);
      onShutdown(() => running.close());
      const p = running.mail.ports;
      const users = running.mail.store.listUsers().length;
      process.stdout.write(
        [
          `Mailroom on ${running.url}`,
          `  IMAP ${p.imap} (STARTTLS)  IMAPS ${p.imaps}  SMTP (MX) ${p.smtp}  submission ${p.submission} (STARTTLS)  submissions ${p.submissions}  POP3 ${p.pop3}  on ${config.mailHost}`,
          `  TLS: ${running.selfSigned ? `self-signed certificate in ${path.join(config.dataDir, 'tls')} (set TLS_CERT_FILE and TLS_KEY_FILE for a real one)` : config.tlsCertFile}`,
          `  Data: ${config.dataDir}  Users: ${users}${users ? '' : ' (add one: mailroom user add EMAIL --data DIR)'}`,
          '',
        ].join('\n'),
      );
      return -1;
    }
    default:
      process.stderr.write(`Unknown command "${command}".\n\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    const message = err instanceof ConfigError || err instanceof BackupError || err instanceof TypeError ? (err as Error).message : String((err as Error)?.stack ?? err);
    process.stderr.write(`mailroom: ${message}\n`);
    process.exit(1);
  },
);
