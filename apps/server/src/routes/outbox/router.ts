// GET /api/outbox (pending, sending, failed, and sent in the last hour), GET /api/outbox/:id,
// DELETE /api/outbox/:id: undo send / cancel a scheduled send; the message comes back to reopen in compose.
import { Router } from 'express';
import type { CancelSendResponse, OutboxListResponse, Upload } from '@mailroom/shared';
import { stateFromMime } from '../../compose/mime.js';
import type { AppContext } from '../../context.js';
import { outboxItemToApi, type OutboxRecord } from '../../data/outbox.js';
import { UploadStore } from '../../data/uploads.js';
import { HttpError, notFound } from '../../errors.js';
import { requireSession } from '../../session/middleware.js';

/** Sent items stay listed this long. */
export const RECENTLY_SENT_MS = 60 * 60 * 1000;

export function outboxRouter(ctx: AppContext): Router {
  const router = Router();
  router.use(requireSession);

  router.get('/', async (req, res) => {
    const body: OutboxListResponse = { items: ctx.outbox.store.listFor(req.session!.email, Date.now() - RECENTLY_SENT_MS).map(outboxItemToApi) };
    res.json(body);
  });

  router.get('/:id', async (req, res) => {
    const record = ctx.outbox.store.getFor(req.session!.email, String(req.params.id));
    if (!record) throw notFound('Outbox item');
    res.json(outboxItemToApi(record));
  });

  router.delete('/:id', async (req, res) => {
    const user = req.session!.email;
    const id = String(req.params.id);
    const record = ctx.outbox.store.cancel(user, id);
    if (!record) {
      const existing = ctx.outbox.store.getFor(user, id);
      if (!existing) throw notFound('Outbox item');
      throw new HttpError(409, 'conflict', existing.status === 'cancelled' ? 'This message was already cancelled.' : 'Too late: this message is already being sent.', {
        status: existing.status,
      });
    }
    ctx.outbox.notify(record, 'cancelled');
    res.json(await reopen(ctx, user, record));
  });

  return router;
}

/** The cancelled message as compose state: parsed back from its Sent copy (attachments become uploads again), with what MIME does not carry from the stored state. */
async function reopen(ctx: AppContext, user: string, record: OutboxRecord): Promise<CancelSendResponse> {
  const stored = record.state;
  try {
    const { state, attachments } = await stateFromMime(record.sentCopy, user, ctx.uploads);
    return {
      state: {
        ...state,
        identityId: stored.identityId,
        format: stored.format,
        priority: stored.priority,
        readReceipt: stored.readReceipt,
        inReplyTo: stored.inReplyTo,
        references: stored.references,
        draftUid: stored.draftUid,
        source: stored.source,
      },
      attachments,
    };
  } catch (err) {
    ctx.logger.warn({ err, outboxId: record.id }, 'could not parse a cancelled message back; returning its stored state');
    const attachments: Upload[] = [];
    for (const id of stored.attachments) {
      const meta = await ctx.uploads.meta(user, id);
      if (meta) attachments.push(UploadStore.toApi(meta));
    }
    return { state: { ...stored, attachments: attachments.map((a) => a.id) }, attachments };
  }
}
