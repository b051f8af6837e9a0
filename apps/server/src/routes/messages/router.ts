// Sending: submission over SMTP with the user's credentials, then a copy appended to Sent.
import { Router } from 'express';
import { sendRequest } from '@mailroom/shared';
import type { AppContext } from '../../context.js';
import { accountOf, requireSession } from '../../session/middleware.js';
import { composeMessage, submit } from '../../smtp/submit.js';
import { findSpecialUse } from '../mailboxes/service.js';
import { parseBody } from '../validate.js';
import { HttpError } from '../../errors.js';

export function messagesRouter(ctx: AppContext): Router {
  const router = Router();
  router.use(requireSession);

  router.post('/send', async (req, res) => {
    const input = parseBody(sendRequest, req.body);
    const account = accountOf(req, ctx.sealer);
    const domain = account.email.split('@')[1] ?? 'localhost';
    const message = await composeMessage(account.email, input, domain);
    if (message.wire.length > ctx.config.maxMessageBytes) {
      throw new HttpError(413, 'message_too_large', `The message is ${message.wire.length} bytes; the limit is ${ctx.config.maxMessageBytes}.`);
    }
    await submit(ctx.routing.for(account.email).smtp, account, message, ctx.logger);
    ctx.metrics.messagesSent.inc();
    let savedToSent = false;
    try {
      await ctx.imap.withClient(req.session!.id, account, async (client) => {
        const sent = (await findSpecialUse(client, '\\Sent')) ?? 'Sent';
        await client.append(sent, message.sentCopy, ['\\Seen']);
      });
      savedToSent = true;
    } catch (err) {
      // The message went out; failing to keep a copy must not make the user send it twice.
      ctx.logger.warn({ reqId: req.id, err: (err as Error).message }, 'could not save the sent copy');
    }
    res.status(202).json({ messageId: message.messageId, savedToSent });
  });

  return router;
}
