// GET/POST/PATCH/DELETE /api/identities: the signed-in user's sender identities and signatures.
import { Router } from 'express';
import { identityInput, identityUpdate, type IdentityListResponse, type IdentityUpdate } from '@mailroom/shared';
import type { AppContext } from '../../context.js';
import { notFound } from '../../errors.js';
import { requireSession } from '../../session/middleware.js';
import { parseBody } from '../validate.js';

export function identitiesRouter(ctx: AppContext): Router {
  const router = Router();
  router.use(requireSession);

  router.get('/', async (req, res) => {
    const body: IdentityListResponse = { identities: await ctx.identities.list(req.session!.email) };
    res.json(body);
  });

  router.post('/', async (req, res) => {
    const input = parseBody(identityInput, req.body);
    res.status(201).json(await ctx.identities.create(req.session!.email, input));
  });

  router.patch('/:id', async (req, res) => {
    parseBody(identityUpdate, req.body);
    // Only the fields sent change (the schema's defaults would reset the others).
    const updated = await ctx.identities.update(req.session!.email, String(req.params.id), req.body as IdentityUpdate);
    if (!updated) throw notFound('Identity');
    res.json(updated);
  });

  router.delete('/:id', async (req, res) => {
    if (!(await ctx.identities.remove(req.session!.email, String(req.params.id)))) throw notFound('Identity');
    res.status(204).end();
  });

  return router;
}
