// GET/PATCH /api/preferences: the signed-in user's settings, kept server-side.
import { Router } from 'express';
import { preferencesUpdate } from '@mailroom/shared';
import type { AppContext } from '../../context.js';
import { requireSession } from '../../session/middleware.js';
import { parseBody } from '../validate.js';

export function preferencesRouter(ctx: AppContext): Router {
  const router = Router();
  router.use(requireSession);
  router.get('/', async (req, res) => {
    res.json(await ctx.preferences.get(req.session!.email));
  });
  router.patch('/', async (req, res) => {
    const change = parseBody(preferencesUpdate, req.body);
    res.json(await ctx.preferences.update(req.session!.email, change));
  });
  return router;
}
