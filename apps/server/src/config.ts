// The one validated configuration of the Mailroom server (zod), read from the environment and an
// optional JSON file (MAILROOM_CONFIG). Every option has a default, an env variable and a line in
// docs/configuration.md.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');
const port = z.coerce.number().int().min(0).max(65535);

export const configSchema = z.object({
  /** Address the web server binds to. */
  host: z.string().default('127.0.0.1'),
  /** Port of the web server. */
  port: port.default(8080),
  /** Public origin used in links, e.g. https://mail.example.org (default: http://host:port). */
  publicUrl: z.string().url().optional(),
  /** IMAP server the webmail logs in to. */
  imapHost: z.string().default('127.0.0.1'),
  imapPort: port.default(1143),
  /** Implicit TLS to the IMAP server (port 993 style). */
  imapSecure: bool.default(false),
  /** SMTP submission server the webmail sends through. */
  submissionHost: z.string().default('127.0.0.1'),
  submissionPort: port.default(1587),
  /** Implicit TLS to the submission server (port 465 style); otherwise STARTTLS when offered. */
  submissionSecure: bool.default(false),
  /** Accept self-signed certificates from the IMAP/SMTP servers (demo and tests only). */
  allowSelfSignedTls: bool.default(false),
  /** Inbound SMTP (MX) port of the embedded mail server (demo/mailserver modes). */
  smtpPort: port.default(2525),
  /** 64 hex chars (32 bytes): key that encrypts the mail credentials kept in sessions. Random per start when unset. */
  sessionKey: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'SESSION_KEY must be 64 hex characters (32 bytes)')
    .optional(),
  /** Sessions end after this much inactivity. */
  sessionIdleMs: z.coerce.number().int().positive().default(8 * 60 * 60 * 1000),
  /** Idle IMAP connections of a session are closed after this long. */
  imapIdleCloseMs: z.coerce.number().int().positive().default(5 * 60 * 1000),
  /** Data directory of the embedded mail server (demo: a temporary directory unless --data is given). */
  dataDir: z.string().optional(),
  /** Directory with the built web app. */
  webRoot: z.string().optional(),
  /** Largest message the webmail sends, in bytes. */
  maxMessageBytes: z.coerce.number().int().positive().default(25 * 1024 * 1024),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
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
  allowSelfSignedTls: 'ALLOW_SELF_SIGNED_TLS',
  smtpPort: 'SMTP_PORT',
  sessionKey: 'SESSION_KEY',
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
  return result.data;
}
