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
    const { config } = ctx;
    const [imap, smtp] = await Promise.all([
      probe({ host: config.imapHost, port: config.imapPort, secure: config.imapSecure, allowSelfSigned: config.allowSelfSignedTls, greeting: /^\* (OK|PREAUTH)/ }),
      probe({ host: ctx.smtp.host, port: ctx.smtp.port, secure: ctx.smtp.secure, allowSelfSigned: ctx.smtp.allowSelfSigned, greeting: /^220[ -]/ }),
    ]);
    const body: HealthResponse = { status: imap && smtp ? 'ok' : 'degraded', imap, smtp };
    res.status(imap && smtp ? 200 : 503).set('Cache-Control', 'no-store').json(body);
  });
  return router;
}
