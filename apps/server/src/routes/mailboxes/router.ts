// Mailboxes, message lists, single messages, flags and attachments.
import { pipeline } from 'node:stream/promises';
import { Router, type Request } from 'express';
import type { ImapFlow } from 'imapflow';
import { flagsUpdateRequest, messageListQuery } from '@mailroom/shared';
import type { AppContext } from '../../context.js';
import { accountOf, requireSession } from '../../session/middleware.js';
import { parseBody, parseUid } from '../validate.js';
import { getMessage, listMailboxes, listMessages, streamAttachment, updateFlags } from './service.js';

/** Image types shown inline; every other attachment is served as a download. */
const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

export function mailboxesRouter(ctx: AppContext): Router {
  const router = Router();
  router.use(requireSession);

  const withClient = <T>(req: Request, fn: (client: ImapFlow) => Promise<T>) =>
    ctx.imap.withClient(req.session!.id, accountOf(req, ctx.sealer), fn);

  router.get('/', async (req, res) => {
    const mailboxes = await withClient(req, (c) => listMailboxes(c));
    res.json({ mailboxes });
  });

  router.get('/:mailbox/messages', async (req, res) => {
    const q = parseBody(messageListQuery, req.query);
    const list = await withClient(req, (c) => listMessages(c, String(req.params.mailbox), q.page, q.pageSize));
    res.json(list);
  });

  router.get('/:mailbox/messages/:uid', async (req, res) => {
    const uid = parseUid(req.params.uid);
    const message = await withClient(req, (c) => getMessage(c, String(req.params.mailbox), uid));
    res.set('Cache-Control', 'no-store').json(message);
  });

  router.patch('/:mailbox/messages/:uid', async (req, res) => {
    const uid = parseUid(req.params.uid);
    const change = parseBody(flagsUpdateRequest, req.body);
    await withClient(req, (c) => updateFlags(c, String(req.params.mailbox), uid, change));
    res.status(204).end();
  });

  router.get('/:mailbox/messages/:uid/attachments/:part', async (req, res) => {
    const uid = parseUid(req.params.uid);
    await withClient(req, (c) =>
      streamAttachment(c, String(req.params.mailbox), uid, String(req.params.part), async (meta, content) => {
        const inline = INLINE_TYPES.has(meta.contentType) && req.query.download === undefined;
        res.set({
          'Content-Type': inline ? meta.contentType : safeType(meta.contentType),
          'Content-Disposition': contentDisposition(inline ? 'inline' : 'attachment', meta.filename),
          'X-Content-Type-Options': 'nosniff',
          'Content-Security-Policy': "default-src 'none'; sandbox",
          'Cache-Control': 'private, max-age=3600',
        });
        await pipeline(content, res);
      }),
    );
  });

  return router;
}

/** Never let a download be rendered as an active document by the browser. */
function safeType(type: string) {
  return /^[a-z0-9.+-]+\/[a-z0-9.+-]+$/i.test(type) && !/html|xml|javascript|svg/i.test(type) ? type : 'application/octet-stream';
}

/** RFC 6266 Content-Disposition with an ASCII fallback and the UTF-8 name. */
export function contentDisposition(kind: 'inline' | 'attachment', filename: string) {
  const clean = filename.replace(/[\r\n"\\/]/g, '_').slice(0, 200) || 'attachment';
  const ascii = clean.replace(/[^\x20-\x7e]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(clean)}`;
}
