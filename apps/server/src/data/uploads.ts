// Files uploaded while composing (attachments, inline images) and parts carried over from a
// forwarded message or a reopened draft. Kept on disk per user (not per session, so a draft reopened
// in another session or a message sent later still finds them) and removed after a retention time.
// Sending and drafts copy the bytes into the message itself, so an upload is only needed while composing.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Upload } from '@mailroom/shared';
import { HttpError } from '../errors.js';

export interface UploadMeta {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  createdAt: number;
}

export interface StoredUpload {
  meta: UploadMeta;
  content: Buffer;
}

const ID_PATTERN = /^[A-Za-z0-9_-]{10,64}$/;

/** A file name safe to keep and to send: no path, no control characters, bounded. */
export function cleanFilename(name: string): string {
  const base = name.replace(/\\/g, '/').split('/').pop() ?? '';
  const cleaned = base.replace(/[\x00-\x1f\x7f]/g, '').trim().slice(0, 255);
  return cleaned || 'attachment';
}

/** A MIME type of the form type/subtype, else application/octet-stream. */
export function cleanContentType(value: string | undefined): string {
  const bare = (value ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/.test(bare) ? bare : 'application/octet-stream';
}

export class UploadStore {
  /**
   * @param dir where uploads live (created when needed)
   * @param maxBytes the largest single upload; larger ones get 413 and nothing is kept
   */
  constructor(
    private readonly dir: string,
    readonly maxBytes: number,
  ) {}

  private ownerDir(owner: string) {
    return path.join(this.dir, createHash('sha256').update(owner.toLowerCase()).digest('hex').slice(0, 32));
  }

  private paths(owner: string, id: string) {
    if (!ID_PATTERN.test(id)) return null;
    const dir = this.ownerDir(owner);
    return { data: path.join(dir, `${id}.bin`), meta: path.join(dir, `${id}.json`) };
  }

  /** Stores `data` (a stream or bytes). Over `maxBytes` it throws HttpError 413 and keeps nothing. */
  async save(owner: string, info: { filename: string; contentType?: string }, data: Readable | Buffer): Promise<UploadMeta> {
    const id = randomBytes(18).toString('base64url');
    const dir = this.ownerDir(owner);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const target = this.paths(owner, id)!;
    let size = 0;
    const limit = this.maxBytes;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > limit) done(new HttpError(413, 'message_too_large', `The file is larger than the limit of ${limit} bytes.`));
        else done(null, chunk);
      },
    });
    try {
      await pipeline(Buffer.isBuffer(data) ? Readable.from([data]) : data, counter, createWriteStream(target.data, { mode: 0o600 }));
    } catch (err) {
      await rm(target.data, { force: true });
      throw err;
    }
    const meta: UploadMeta = { id, filename: cleanFilename(info.filename), contentType: cleanContentType(info.contentType), size, createdAt: Date.now() };
    await writeFile(target.meta, JSON.stringify(meta), { mode: 0o600 });
    return meta;
  }

  async meta(owner: string, id: string): Promise<UploadMeta | null> {
    const p = this.paths(owner, id);
    if (!p) return null;
    try {
      return JSON.parse(await readFile(p.meta, 'utf8')) as UploadMeta;
    } catch {
      return null;
    }
  }

  async read(owner: string, id: string): Promise<StoredUpload | null> {
    const meta = await this.meta(owner, id);
    const p = this.paths(owner, id);
    if (!meta || !p) return null;
    try {
      return { meta, content: await readFile(p.data) };
    } catch {
      return null;
    }
  }

  async remove(owner: string, id: string): Promise<void> {
    const p = this.paths(owner, id);
    if (!p) return;
    await rm(p.meta, { force: true });
    await rm(p.data, { force: true });
  }

  /**
   * Removes uploads older than `maxAgeMs`, except those in `keep` (owner and id: images that
   * signatures show, which must outlive the compose that uploaded them); returns how many.
   */
  async purge(maxAgeMs: number, now = Date.now(), keep: Iterable<{ user: string; id: string }> = []): Promise<number> {
    let removed = 0;
    const kept = new Set<string>();
    for (const k of keep) kept.add(path.join(path.basename(this.ownerDir(k.user)), k.id));
    const owners = await readdir(this.dir).catch(() => [] as string[]);
    for (const owner of owners) {
      const dir = path.join(this.dir, owner);
      const files = await readdir(dir).catch(() => [] as string[]);
      for (const file of files) {
        if (kept.has(path.join(owner, file.replace(/\.(bin|json)$/, '')))) continue;
        const full = path.join(dir, file);
        const info = await stat(full).catch(() => null);
        if (info && now - info.mtimeMs > maxAgeMs) {
          await rm(full, { force: true });
          if (file.endsWith('.json')) removed += 1;
        }
      }
    }
    return removed;
  }

  static toApi(meta: UploadMeta): Upload {
    return { id: meta.id, filename: meta.filename, contentType: meta.contentType, size: meta.size, url: `/api/uploads/${meta.id}` };
  }
}
