// GET /api/contacts?q=&limit= (autocomplete, best first), POST (save), DELETE /:address.
import { Router } from 'express';
import { contactInput, contactListQuery, type ContactListResponse } from '@mailroom/shared';
import type { AppContext } from '../../context.js';
import { notFound } from '../../errors.js';
import { requireSession } from '../../session/middleware.js';
import { parseBody } from '../validate.js';

export function contactsRouter(ctx: AppContext): Router {
  const router = Router();
  router.use(requireSession);

  router.get('/', async (req, res) => {
    const { q, limit } = parseBody(contactListQuery, req.query);
    const body: ContactListResponse = { contacts: await ctx.contacts.search(req.session!.email, q, limit) };
    res.json(body);
  });

  router.post('/', async (req, res) => {
    const input = parseBody(contactInput, req.body);
    res.status(201).json(await ctx.contacts.save(req.session!.email, input));
  });

  router.delete('/:address', async (req, res) => {
    const address = String(req.params.address);
    if (address.length > 320 || !(await ctx.contacts.remove(req.session!.email, address))) throw notFound('Contact');
    res.status(204).end();
  });

  return router;
}
