// Compose helpers: POST /api/compose/prefill (reply, reply all, forward, forward as attachment, edit
// as new, open a draft) and GET /api/compose/limits.
import { Router } from 'express';
import type { ImapFlow } from 'imapflow';
import { prefillRequest, type ComposeLimits, type ComposeStateResponse } from '@mailroom/shared';
import type { AppContext } from '../../context.js';
import { notFound } from '../../errors.js';
import { accountOf, requireSession } from '../../session/middleware.js';
import { userIdentities } from '../../compose/identities.js';
import { composeLimits, smtpFeatures } from '../../compose/limits.js';
import { prefillDraft, prefillFromMime } from '../../compose/prefill.js';
import { withMailbox } from '../mailboxes/service.js';
import { parseBody } from '../validate.js';

/** The raw source of one message. */
export async function fetchSource(client: ImapFlow, mailbox: string, uid: number): Promise<Buffer> {
  return withMailbox(client, mailbox, async () => {
    // The connection may not have heard of mail that arrived since its last command (not in IDLE while in use).
    await client.noop();
    const msg = await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
    if (!msg || !msg.source) throw notFound(`Message ${uid}`);
    return msg.source;
  });
}

export function composeRouter(ctx: AppContext): Router {
  const router = Router();
  router.use(requireSession);

  router.post('/prefill', async (req, res) => {
    const input = parseBody(prefillRequest, req.body);
    const account = accountOf(req, ctx.sealer);
    const raw = await ctx.imap.withClient(req.session!.id, account, (client) => fetchSource(client, input.mailbox, input.uid));
    let body: ComposeStateResponse;
    if (input.mode === 'draft') {
      body = await prefillDraft(raw, input.uid, { owner: account.email, uploads: ctx.uploads });
    } else {
      const [identities, prefs] = await Promise.all([userIdentities(ctx, account.email), ctx.preferences.get(account.email)]);
      body = await prefillFromMime(input.mode, raw, { mailbox: input.mailbox, uid: input.uid }, {
        owner: account.email,
        uploads: ctx.uploads,
        identities,
        format: prefs.composeFormat,
        identityId: input.identityId,
      });
    }
    res.json(body);
  });

  router.get('/limits', async (req, res) => {
    const account = accountOf(req, ctx.sealer);
    const [smtp, appendLimit] = await Promise.all([
      smtpFeatures(ctx.routing.for(account.email).smtp),
      ctx.imap
        .withClient(req.session!.id, account, async (client) => {
          const v = client.capabilities.get('APPENDLIMIT');
          return typeof v === 'number' && v > 0 ? v : null;
        })
        .catch(() => null),
    ]);
    const body: ComposeLimits = composeLimits(ctx.config.maxMessageBytes, smtp, appendLimit);
    res.json(body);
  });

  return router;
}
