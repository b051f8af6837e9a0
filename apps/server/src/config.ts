// The one validated configuration of the Mailroom server (zod), read from the environment and an
// optional JSON file (MAILROOM_CONFIG). Every option has a default, an env variable and a line in
// docs/configuration.md.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');
const port = z.coerce.number().int().min(0).max(65535);

/** Mail servers for the users of one login domain (webmail mode with several domains). */
export const domainServersSchema = z.object({
  imapHost: z.string(),
  imapPort: port.default(993),
  imapSecure: bool.default(true),
  submissionHost: z.string(),
  submissionPort: port.default(465),
  submissionSecure: bool.default(true),
});
export type DomainServers = z.infer<typeof domainServersSchema>;

const jsonObject = (v: unknown) => {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
};

export const configSchema = z.object({
  host: z.string().default('127.0.0.1').describe('Address the web server binds to.'),
  port: port.default(8080).describe('Port of the web server.'),
  publicUrl: z.string().url().optional().describe('Public origin used in links, e.g. https://mail.example.org (default: http://host:port).'),
  imapHost: z.string().default('127.0.0.1').describe('IMAP server the webmail logs in to.'),
  imapPort: port.default(1143).describe('Port of the IMAP server; in demo and mailserver modes, the port of the embedded IMAP server.'),
  imapSecure: bool.default(false).describe('Implicit TLS to the IMAP server (port 993 style).'),
  submissionHost: z.string().default('127.0.0.1').describe('SMTP submission server the webmail sends through.'),
  submissionPort: port.default(1587).describe('Port of the submission server; in demo and mailserver modes, the port of the embedded submission server.'),
  submissionSecure: bool.default(false).describe('Implicit TLS to the submission server (port 465 style); otherwise STARTTLS when offered.'),
  mailServers: z
    .preprocess(jsonObject, z.record(z.string().regex(/^[a-z0-9.-]+$/i, 'a login domain'), domainServersSchema))
    .default({})
    .describe('JSON map from login domain to its servers, e.g. {"example.org":{"imapHost":"imap.example.org","submissionHost":"smtp.example.org"}} (ports default to 993/465 with TLS); other domains use the IMAP_/SUBMISSION_ settings.'),
  allowSelfSignedTls: bool.default(false).describe('Accept self-signed certificates from the IMAP/SMTP servers (demo and tests only).'),
  pop3Port: port.default(1110).describe('POP3 port of the embedded mail server (demo/mailserver modes).'),
  submissionsPort: port.default(1465).describe('Implicit-TLS submission port (RFC 8314, 465 style) of the embedded mail server in demo mode (self-signed certificate); 0 picks a free port.'),
  imapsPort: port.default(1993).describe('Implicit-TLS IMAP port of the embedded mail server in demo mode (self-signed certificate for localhost and 127.0.0.1); 0 picks a free port.'),
  smtpPort: port.default(2525).describe('Inbound SMTP (MX) port of the embedded mail server (demo/mailserver modes).'),
  mailHost: z.string().default('0.0.0.0').describe('Address the embedded mail server binds to in serve and mailserver modes (demo always uses 127.0.0.1).'),
  mailHostname: z.string().optional().describe('Name of this mail server in SMTP greetings and Received headers (serve and mailserver modes; default: the machine\'s host name).'),
  tlsCertFile: z.string().optional().describe('PEM certificate (chain) for IMAP/SMTP/POP3 TLS in serve and mailserver modes; without it a self-signed one is made once and kept in DATA_DIR/tls.'),
  tlsKeyFile: z.string().optional().describe('PEM private key that goes with TLS_CERT_FILE.'),
  sessionKey: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'SESSION_KEY must be 64 hex characters (32 bytes)')
    .optional().describe('64 hex chars (32 bytes): key that encrypts the mail credentials kept in sessions and with scheduled sends (outbox). When unset: with DATA_DIR, a key made once and kept in DATA_DIR/session.key (0600), so sessions and scheduled sends survive a restart; without DATA_DIR, random per start.'),
  sessionStore: z
    .string()
    .regex(/^(memory|rediss?:\/\/.+)$/, 'SESSION_STORE must be "memory" or a redis:// URL')
    .default('memory').describe('Where sessions live: "memory" (one node) or a redis:// / rediss:// URL (several nodes; needs SESSION_KEY).'),
  metricsToken: z.string().min(16).optional().describe('Bearer token required to read /metrics; unset = open (bind to a private interface or protect at the proxy).'),
  sessionIdleMs: z.coerce.number().int().positive().default(8 * 60 * 60 * 1000).describe('Sessions end after this much inactivity.'),
  imapIdleCloseMs: z.coerce.number().int().positive().default(5 * 60 * 1000).describe('Idle IMAP connections of a session are closed after this long.'),
  dataDir: z.string().optional().describe('Data directory of the embedded mail server (--data); demo mode uses a temporary directory, removed on exit, when unset.'),
  webRoot: z.string().optional().describe('Directory with the built web app (default: apps/web/dist).'),
  maxMessageBytes: z.coerce.number().int().positive().default(25 * 1024 * 1024).describe('Largest message the webmail sends, in bytes.'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level (demo mode defaults to warn).'),
});

export type Config = z.infer<typeof configSchema>;

/** Environment variable of every option. */
export const ENV_NAMES: Record<keyof Config, string> = {
  host: 'HOST',
  port: 'PORT',
  publicUrl: 'PUBLIC_URL',
  imapHost: 'IMAP_HOST',
  imapPort: 'IMAP_PORT',
  imapSecure: 'IMAP_SECURE',
  submissionHost: 'SUBMISSION_HOST',
  submissionPort: 'SUBMISSION_PORT',
  submissionSecure: 'SUBMISSION_SECURE',
  mailServers: 'MAIL_SERVERS',
  allowSelfSignedTls: 'ALLOW_SELF_SIGNED_TLS',
  pop3Port: 'POP3_PORT',
  imapsPort: 'IMAPS_PORT',
  submissionsPort: 'SUBMISSIONS_PORT',
  smtpPort: 'SMTP_PORT',
  mailHost: 'MAIL_HOST',
  mailHostname: 'MAIL_HOSTNAME',
  tlsCertFile: 'TLS_CERT_FILE',
  tlsKeyFile: 'TLS_KEY_FILE',
  sessionKey: 'SESSION_KEY',
  sessionStore: 'SESSION_STORE',
  metricsToken: 'METRICS_TOKEN',
  sessionIdleMs: 'SESSION_IDLE_MS',
  imapIdleCloseMs: 'IMAP_IDLE_CLOSE_MS',
  dataDir: 'DATA_DIR',
  webRoot: 'WEB_ROOT',
  maxMessageBytes: 'MAX_MESSAGE_BYTES',
  logLevel: 'LOG_LEVEL',
};

export class ConfigError extends Error {}

/** Builds the configuration: defaults < config file (MAILROOM_CONFIG) < environment < overrides. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Record<keyof Config, unknown>> = {}): Config {
  let fromFile: Record<string, unknown> = {};
  const file = env.MAILROOM_CONFIG;
  if (file) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`cannot read MAILROOM_CONFIG ${file}: ${(err as Error).message}`);
    }
  }
  const fromEnv: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(ENV_NAMES)) {
    const value = env[name];
    if (value !== undefined && value !== '') fromEnv[key] = value;
  }
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const result = configSchema.safeParse({ ...fromFile, ...fromEnv, ...defined });
  if (!result.success) {
    const lines = result.error.issues.map((i) => {
      const key = String(i.path[0] ?? '');
      const name = ENV_NAMES[key as keyof Config] ?? key;
      return `  ${name}: ${i.message}`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  if (result.data.sessionStore !== 'memory' && !result.data.sessionKey) {
    throw new ConfigError('invalid configuration:\n  SESSION_KEY: required when SESSION_STORE is Redis, and the same on every node');
  }
  return result.data;
}
