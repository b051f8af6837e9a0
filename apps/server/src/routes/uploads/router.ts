// POST /api/uploads (raw bytes, X-File-Name), GET/DELETE /api/uploads/:id: attachments and inline
// images while composing. Only their owner (the signed-in user) sees them; anyone else gets 404.
// The body is streamed to disk (it never goes through express.json): over the limit the answer is
// 413 and nothing is kept.
import { PassThrough } from 'node:stream';
import { Router, type Request } from 'express';
import { uploadId } from '@mailroom/shared';
import type { AppContext } from '../../context.js';
import { HttpError, notFound } from '../../errors.js';
import { UploadStore, cleanFilename } from '../../data/uploads.js';
import { requireSession } from '../../session/middleware.js';
import { contentDisposition } from '../mailboxes/router.js';

/** Shown inline (the editor's <img>); everything else downloads. */
const INLINE_IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** Uploads are kept this long (a message scheduled for later carries its own copy of the bytes). */
export const UPLOAD_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;
/** How often old uploads are removed. */
export const UPLOAD_PURGE_INTERVAL_MS = 60 * 60 * 1000;

function fileNameOf(req: Request): string {
  const raw = req.get('x-file-name') ?? '';
  let name = raw;
  try {
    name = decodeURIComponent(raw);
  } catch {
    // not percent-encoded: taken as it is
  }
  return cleanFilename(name);
}

const parseId = (value: string | undefined) => {
  const r = uploadId.safeParse(value);
  if (!r.success) throw notFound('Upload');
  return r.data;
};

/** Never let a download be rendered as an active document by the browser. */
function safeType(type: string) {
  return /^[a-z0-9.+-]+\/[a-z0-9.+-]+$/i.test(type) && !/html|xml|javascript|svg/i.test(type) ? type : 'application/octet-stream';
}

export function uploadsRouter(ctx: AppContext): Router {
  const router = Router();
  router.use(requireSession);

  router.post('/', async (req, res) => {
    const owner = req.session!.email;
    const limit = ctx.uploads.maxBytes;
    const tooLarge = () => new HttpError(413, 'message_too_large', `The file is larger than the limit of ${limit} bytes.`);
    const declared = Number(req.get('content-length'));
    if (Number.isFinite(declared) && declared > limit) {
      // Refused before reading: the connection closes so the client stops sending.
      res.set('Connection', 'close');
      req.resume();
      throw tooLarge();
    }
    // Through a PassThrough so that a refused upload does not destroy the request (the 413 must get out).
    const body = new PassThrough();
    req.pipe(body);
    try {
      const meta = await ctx.uploads.save(owner, { filename: fileNameOf(req), contentType: req.get('content-type') }, body);
      res.status(201).json(UploadStore.toApi(meta));
    } catch (err) {
      req.unpipe(body);
      if (!req.complete) {
        res.set('Connection', 'close');
        req.resume();
      }
      throw err;
    }
  });

  router.get('/:id', async (req, res) => {
    const stored = await ctx.uploads.read(req.session!.email, parseId(req.params.id));
    if (!stored) throw notFound('Upload');
    const inline = INLINE_IMAGE_TYPES.has(stored.meta.contentType);
    res.set({
      'Content-Type': inline ? stored.meta.contentType : safeType(stored.meta.contentType),
      'Content-Disposition': contentDisposition(inline ? 'inline' : 'attachment', stored.meta.filename),
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "sandbox; default-src 'none'",
      'Cache-Control': 'private, max-age=3600',
    });
    res.send(stored.content);
  });

  router.delete('/:id', async (req, res) => {
    const id = parseId(req.params.id);
    if (!(await ctx.uploads.meta(req.session!.email, id))) throw notFound('Upload');
    await ctx.uploads.remove(req.session!.email, id);
    res.status(204).end();
  });

  return router;
}

/** Removes uploads older than `maxAgeMs`, except the images that signatures show; returns how many. */
export async function purgeUploads(ctx: Pick<AppContext, 'uploads' | 'identities'>, maxAgeMs: number, now = Date.now()): Promise<number> {
  return ctx.uploads.purge(maxAgeMs, now, ctx.identities.signatureUploads());
}

/** Removes old uploads every hour (purgeUploads); returns the function that stops it. */
export function startUploadPurge(ctx: Pick<AppContext, 'uploads' | 'identities' | 'logger'>, maxAgeMs = UPLOAD_MAX_AGE_MS, everyMs = UPLOAD_PURGE_INTERVAL_MS): () => void {
  const run = () =>
    void purgeUploads(ctx, maxAgeMs)
      .then(
      (removed) => removed && ctx.logger.info({ removed }, 'old uploads removed'),
      (err: unknown) => ctx.logger.warn({ err }, 'upload purge failed'),
    );
  const timer = setInterval(run, everyMs);
  timer.unref();
  run();
  return () => clearInterval(timer);
}
