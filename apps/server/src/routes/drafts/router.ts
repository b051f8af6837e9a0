// Drafts: PUT /api/drafts saves (APPEND to Drafts, the previous draft removed), DELETE /api/drafts/:uid removes one.
// Opening a draft is prefill mode "draft" (routes/compose).
import { Router } from 'express';
import { saveDraftRequest, type SaveDraftResponse } from '@mailroom/shared';
import type { AppContext } from '../../context.js';
import { HttpError } from '../../errors.js';
import { accountOf, requireSession } from '../../session/middleware.js';
import { draftMime } from '../../compose/mime.js';
import { pickIdentity, userIdentities } from '../../compose/identities.js';
import { parseBody, parseUid } from '../validate.js';
import { DraftChains, deleteDraft, draftsMailbox, saveDraft } from './service.js';

export function draftsRouter(ctx: AppContext): Router {
  const router = Router();
  router.use(requireSession);
  const chains = new DraftChains();

  router.put('/', async (req, res) => {
    const state = parseBody(saveDraftRequest, req.body);
    const account = accountOf(req, ctx.sealer);
    const identity = pickIdentity(await userIdentities(ctx, account.email), state.identityId);
    const raw = await draftMime(state, {
      identity,
      hostname: account.email.slice(account.email.lastIndexOf('@') + 1) || 'localhost',
      owner: account.email,
      uploads: ctx.uploads,
    });
    if (raw.length > ctx.config.maxMessageBytes) {
      throw new HttpError(413, 'message_too_large', `The draft is ${raw.length} bytes; the limit is ${ctx.config.maxMessageBytes}.`);
    }
    const saved = await chains.serial(account.email, () =>
      ctx.imap.withClient(req.session!.id, account, async (client) => {
        const mailbox = await draftsMailbox(client);
        const replaced = chains.lineage(account.email, mailbox, state.draftUid);
        const result = await saveDraft(client, raw, replaced);
        chains.record(account.email, result.mailbox, replaced, result.uid);
        return result;
      }),
    );
    const body: SaveDraftResponse = saved;
    res.json(body);
  });

  router.delete('/:uid', async (req, res) => {
    const uid = parseUid(req.params.uid);
    const account = accountOf(req, ctx.sealer);
    await ctx.imap.withClient(req.session!.id, account, (client) => deleteDraft(client, uid));
    res.status(204).end();
  });

  return router;
}
