// POST /api/messages/send: send what compose holds, now or through the outbox (undo send, send later).
import { Router } from 'express';
import { sendMessageRequest } from '@mailroom/shared';
import type { AppContext } from '../../context.js';
import { sendFromCompose } from '../../outbox/send.js';
import { requireSession } from '../../session/middleware.js';
import { parseBody } from '../validate.js';

export function messagesRouter(ctx: AppContext): Router {
  const router = Router();
  router.use(requireSession);

  router.post('/send', async (req, res) => {
    const { sendAt, undoDelayMs, ...state } = parseBody(sendMessageRequest, req.body);
    res.status(202).json(await sendFromCompose(ctx, req, state, { sendAt, undoDelayMs }));
  });

  return router;
}
