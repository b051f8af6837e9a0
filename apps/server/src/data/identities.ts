// Sender identities and their signatures, kept server-side per user (DESIGN.md: data the webmail owns).
// The interface is the contract; SqliteIdentities implements it over webmail.sqlite.
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import sanitizeHtml from 'sanitize-html';
import { identityInput, identityUpdate, type Identity, type IdentityInput, type IdentityUpdate } from '@mailroom/shared';
import { openWebmailDb } from './sqlite.js';
import { HttpError } from '../errors.js';

export interface IdentityRepository {
  /** The user's identities, the default first. A user with none gets one made from the account address. */
  list(user: string): Promise<Identity[]>;
  get(user: string, id: string): Promise<Identity | null>;
  /** The identity marked default (there is always exactly one). */
  defaultFor(user: string): Promise<Identity>;
  create(user: string, input: IdentityInput): Promise<Identity>;
  /** null when there is no such identity. */
  update(user: string, id: string, change: IdentityUpdate): Promise<Identity | null>;
  /** false when there is no such identity; throws HttpError 409 for the last one. */
  remove(user: string, id: string): Promise<boolean>;
  /** The uploads (`/api/uploads/ID`) that signatures show as images, of every user: kept, not purged. */
  signatureUploads(): Array<{ user: string; id: string }>;
  close(): void;
}

/** Most identities one user may keep (a bound against runaway clients). */
export const MAX_IDENTITIES_PER_USER = 100;

/** An image of ours in a signature: `src="/api/uploads/ID"`, also behind an origin. */
const SIGNATURE_UPLOAD = /\bsrc\s*=\s*["'](?:https?:\/\/[^"'/]+)?\/api\/uploads\/([A-Za-z0-9_-]{10,64})["']/gi;

const SAFE_STYLE = [/^[#a-z0-9(),.%\s-]{1,64}$/i];

/**
 * Signature HTML as it is stored: a small allow-list of formatting elements, links (http, https,
 * mailto, tel) and images (http, https, data:image, our own upload URLs). No scripts, styles,
 * event handlers, frames, forms or unknown attributes survive.
 */
export function sanitizeSignature(html: string): string {
  return sanitizeHtml(html, {
    allowedTags: [
      'a', 'b', 'blockquote', 'br', 'code', 'div', 'em', 'font', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'i', 'img', 'li', 'ol', 'p', 'pre',
      's', 'small', 'span', 'strike', 'strong', 'sub', 'sup', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'u', 'ul',
    ],
    allowedAttributes: {
      a: ['href', 'title'],
      img: ['src', 'alt', 'title', 'width', 'height'],
      font: ['color', 'size', 'face'],
      td: ['colspan', 'rowspan', 'align', 'valign'],
      th: ['colspan', 'rowspan', 'align', 'valign'],
      table: ['cellpadding', 'cellspacing', 'border'],
      '*': ['style'],
    },
    allowedStyles: {
      '*': {
        color: SAFE_STYLE,
        'background-color': SAFE_STYLE,
        'font-weight': SAFE_STYLE,
        'font-style': SAFE_STYLE,
        'font-size': SAFE_STYLE,
        'font-family': [/^[a-z0-9\s,'"-]{1,100}$/i],
        'text-decoration': SAFE_STYLE,
        'text-align': SAFE_STYLE,
        margin: SAFE_STYLE,
        padding: SAFE_STYLE,
      },
    },
    allowedSchemes: ['http', 'https', 'mailto', 'tel'],
    allowedSchemesByTag: { img: ['http', 'https', 'data'] },
    allowedSchemesAppliedToAttributes: ['href', 'src'],
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    exclusiveFilter: (frame) => frame.tag === 'img' && /^data:/i.test(frame.attribs.src ?? '') && !/^data:image\/(png|jpeg|gif|webp);/i.test(frame.attribs.src ?? ''),
  }).trim();
}

interface Row {
  id: string;
  user: string;
  name: string;
  email: string;
  reply_to: string | null;
  signature_html: string;
  is_default: number;
  created_at: number;
}

const toApi = (r: Row): Identity => ({
  id: r.id,
  name: r.name,
  email: r.email,
  replyTo: r.reply_to,
  signatureHtml: r.signature_html,
  isDefault: r.is_default === 1,
});

export class SqliteIdentities implements IdentityRepository {
  private readonly db: Database.Database;

  /** `file` is a path, or ':memory:' (a single process that keeps nothing across restarts). */
  constructor(file: string) {
    this.db = openWebmailDb(file);
    this.db.exec(`CREATE TABLE IF NOT EXISTS identities (
      id TEXT PRIMARY KEY,
      user TEXT NOT NULL,
      name TEXT NOT NULL,
      email TEXT NOT NULL,
      reply_to TEXT,
      signature_html TEXT NOT NULL,
      is_default INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS identities_user ON identities (user);`);
  }

  private rows(user: string): Row[] {
    return this.db
      .prepare('SELECT * FROM identities WHERE user = ? ORDER BY is_default DESC, created_at, rowid')
      .all(user.toLowerCase()) as Row[];
  }

  /** The user's rows; the default identity from the account address is stored first when there are none. */
  private ensure(user: string): Row[] {
    const key = user.toLowerCase();
    let rows = this.rows(key);
    if (rows.length === 0) {
      this.db
        .prepare('INSERT INTO identities (id, user, name, email, reply_to, signature_html, is_default, created_at) VALUES (?, ?, ?, ?, NULL, ?, 1, ?)')
        .run(newId(), key, '', user.trim(), '', Date.now());
      rows = this.rows(key);
    }
    return rows;
  }

  async list(user: string): Promise<Identity[]> {
    return this.ensure(user).map(toApi);
  }

  async get(user: string, id: string): Promise<Identity | null> {
    const row = this.ensure(user).find((r) => r.id === id);
    return row ? toApi(row) : null;
  }

  async defaultFor(user: string): Promise<Identity> {
    const rows = this.ensure(user);
    return toApi(rows.find((r) => r.is_default === 1) ?? rows[0]!);
  }

  async create(user: string, input: IdentityInput): Promise<Identity> {
    const v = identityInput.parse(input);
    const key = user.toLowerCase();
    const id = newId();
    this.db.transaction(() => {
      const rows = this.ensure(key);
      if (rows.length >= MAX_IDENTITIES_PER_USER) throw new HttpError(409, 'conflict', `You can keep at most ${MAX_IDENTITIES_PER_USER} identities.`);
      if (v.isDefault) this.db.prepare('UPDATE identities SET is_default = 0 WHERE user = ?').run(key);
      this.db
        .prepare('INSERT INTO identities (id, user, name, email, reply_to, signature_html, is_default, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(id, key, v.name, v.email, v.replyTo, sanitizeSignature(v.signatureHtml), v.isDefault ? 1 : 0, Date.now());
    })();
    return (await this.get(key, id))!;
  }

  async update(user: string, id: string, change: IdentityUpdate): Promise<Identity | null> {
    // identityUpdate is identityInput.partial(), whose defaults zod still fills in: only what was given counts.
    const parsed = identityUpdate.parse(change);
    const given = new Set(Object.keys(change).filter((k) => (change as Record<string, unknown>)[k] !== undefined));
    const c = Object.fromEntries(Object.entries(parsed).filter(([k]) => given.has(k))) as Partial<typeof parsed>;
    const key = user.toLowerCase();
    const found = this.db.transaction(() => {
      const rows = this.ensure(key);
      const row = rows.find((r) => r.id === id);
      if (!row) return false;
      const next = {
        name: c.name ?? row.name,
        email: c.email ?? row.email,
        replyTo: c.replyTo === undefined ? row.reply_to : c.replyTo,
        signatureHtml: c.signatureHtml === undefined ? row.signature_html : sanitizeSignature(c.signatureHtml),
      };
      this.db
        .prepare('UPDATE identities SET name = ?, email = ?, reply_to = ?, signature_html = ? WHERE id = ? AND user = ?')
        .run(next.name, next.email, next.replyTo, next.signatureHtml, id, key);
      if (c.isDefault === true) {
        this.setDefault(key, id);
      } else if (c.isDefault === false && row.is_default === 1) {
        // There is always exactly one default: it passes to the next identity (stays when it is the only one).
        const other = rows.find((r) => r.id !== id);
        if (other) this.setDefault(key, other.id);
      }
      return true;
    })();
    return found ? this.get(key, id) : null;
  }

  async remove(user: string, id: string): Promise<boolean> {
    const key = user.toLowerCase();
    return this.db.transaction(() => {
      const rows = this.ensure(key);
      const row = rows.find((r) => r.id === id);
      if (!row) return false;
      if (rows.length === 1) throw new HttpError(409, 'conflict', 'You cannot delete your only identity.');
      this.db.prepare('DELETE FROM identities WHERE id = ? AND user = ?').run(id, key);
      if (row.is_default === 1) this.setDefault(key, rows.find((r) => r.id !== id)!.id);
      return true;
    })();
  }

  signatureUploads(): Array<{ user: string; id: string }> {
    const out: Array<{ user: string; id: string }> = [];
    const rows = this.db.prepare("SELECT user, signature_html FROM identities WHERE signature_html LIKE '%/api/uploads/%'").all() as Array<{ user: string; signature_html: string }>;
    for (const r of rows) for (const m of r.signature_html.matchAll(SIGNATURE_UPLOAD)) out.push({ user: r.user, id: m[1]! });
    return out;
  }

  private setDefault(user: string, id: string) {
    this.db.prepare('UPDATE identities SET is_default = CASE WHEN id = ? THEN 1 ELSE 0 END WHERE user = ?').run(id, user);
  }

  close() {
    this.db.close();
  }
}

function newId() {
  return randomBytes(9).toString('base64url');
}
