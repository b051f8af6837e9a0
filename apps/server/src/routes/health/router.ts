// Health for load balancers and orchestrators:
//   GET /api/health/live   200 while the process serves HTTP (liveness)
//   GET /api/health/ready  200 when the IMAP and SMTP submission servers answer, 503 otherwise (readiness)
//   GET /api/health        the same as ready
import { Router } from 'express';
import type { HealthResponse } from '@mailroom/shared';
import type { AppContext } from '../../context.js';
import { probe } from './probe.js';

export function healthRouter(ctx: AppContext): Router {
  const router = Router();
  router.get('/live', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get(['/', '/ready'], async (_req, res) => {
    const checks = await Promise.all(
      ctx.routing.all().map(async (e) => ({
        imap: await probe({ ...e.imap, greeting: /^\* (OK|PREAUTH)/ }),
        smtp: await probe({ ...e.smtp, greeting: /^220[ -]/ }),
      })),
    );
    const imap = checks.every((c) => c.imap);
    const smtp = checks.every((c) => c.smtp);
    const body: HealthResponse = { status: imap && smtp ? 'ok' : 'degraded', imap, smtp };
    res.status(imap && smtp ? 200 : 503).set('Cache-Control', 'no-store').json(body);
  });
  return router;
}
