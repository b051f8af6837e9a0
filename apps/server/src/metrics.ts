// Prometheus metrics at /metrics: HTTP requests and latencies, IMAP connections, SSE clients,
// sign-ins, messages sent, plus Node's process metrics. One registry per app (tests build several).
import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface MetricSources {
  imapConnections(): number;
  sseClients(): number;
}

export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'mailroom_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'mailroom_http_request_duration_seconds',
    help: 'HTTP request latency by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly logins = new Counter({
    name: 'mailroom_logins_total',
    help: 'Sign-in attempts by result',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly messagesSent = new Counter({
    name: 'mailroom_messages_sent_total',
    help: 'Messages submitted for delivery through SMTP',
    registers: [this.registry],
  });

  constructor(sources: MetricSources) {
    new Gauge({
      name: 'mailroom_imap_connections',
      help: 'Open IMAP connections from the webmail (request pool and IDLE watchers)',
      registers: [this.registry],
      collect() {
        this.set(sources.imapConnections());
      },
    });
    new Gauge({
      name: 'mailroom_sse_clients',
      help: 'Connected Server-Sent Events clients',
      registers: [this.registry],
      collect() {
        this.set(sources.sseClients());
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'mailroom_' });
  }

  readonly deliveries = new Counter({
    name: 'mailroom_deliveries_total',
    help: 'Messages received over SMTP and committed to local mailboxes (one per mailbox) by the in-process mail server',
    registers: [this.registry],
  });

  /** Metrics of an embedded mail server running in this process (demo and standalone modes). */
  addMailServer(mail: { queue: { list(): unknown[] } | null }) {
    new Gauge({
      name: 'mailroom_outbound_queue_messages',
      help: 'Messages waiting in the outbound queue of the embedded mail server',
      registers: [this.registry],
      collect() {
        this.set(mail.queue ? mail.queue.list().length : 0);
      },
    });
  }

  /** Counts and times every request, labelled by its route pattern (never the raw URL). */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const end = this.httpDuration.startTimer();
      res.on('finish', () => {
        const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : req.baseUrl || 'unmatched';
        end({ method: req.method, route });
        this.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      });
      next();
    };
  }
}
