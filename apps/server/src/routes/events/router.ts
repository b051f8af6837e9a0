// GET /api/events[?mailbox=PATH]: Server-Sent Events with the signed-in user's mailbox changes
// (IMAP IDLE behind it) for INBOX and, when given, the folder the tab shows. The SPA turns them
// into query invalidations (DESIGN.md "One write path") and reconnects when it changes folder.
import { Router, type Response } from 'express';
import type { AppContext } from '../../context.js';
import { accountOf, requireSession } from '../../session/middleware.js';
import { afterFirstScreen } from '../mailboxes/first-screen.js';

const HEARTBEAT_MS = 25_000;

/** Open SSE responses, so shutdown can end them. */
export class SseClients {
  private readonly open = new Set<Response>();
  private readonly byUser = new Map<string, Set<Response>>();
  /** Tracks an open stream; with `user`, publish() reaches it. */
  add(res: Response, user?: string) {
    this.open.add(res);
    const key = user?.toLowerCase();
    if (key) {
      let set = this.byUser.get(key);
      if (!set) this.byUser.set(key, (set = new Set()));
      set.add(res);
    }
    res.on('close', () => {
      this.open.delete(res);
      if (!key) return;
      const set = this.byUser.get(key);
      set?.delete(res);
      if (set?.size === 0) this.byUser.delete(key);
    });
  }
  /** Sends one event to every open stream of a user (all their tabs and sessions). */
  publish(user: string, event: string, data: object) {
    const set = this.byUser.get(user.toLowerCase());
    if (!set) return;
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const res of set) if (!res.writableEnded) res.write(frame);
  }
  get size() {
    return this.open.size;
  }
  /** Tells every client to reconnect later and ends the streams. */
  closeAll() {
    for (const res of this.open) {
      res.write('event: shutdown\ndata: {}\n\n');
      res.end();
    }
    this.open.clear();
    this.byUser.clear();
  }
}

export function eventsRouter(ctx: AppContext): Router {
  const router = Router();
  router.use(requireSession);

  router.get('/', async (req, res) => {
    const account = accountOf(req, ctx.sealer);
    let closed = false;
    res.on('close', () => (closed = true));
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.write('retry: 3000\nevent: ready\ndata: {}\n\n');
    ctx.sse.add(res, account.email);
    // Right after sign-in the watcher's own IMAP login and SELECT would compete with the first
    // screen's (same server, same mailbox): they start once that screen is answered.
    await afterFirstScreen(req.session!.id);
    if (closed) return;
    const send = (event: object) => res.write(`event: mailbox\ndata: ${JSON.stringify(event)}\n\n`);
    const extra = typeof req.query.mailbox === 'string' && req.query.mailbox && req.query.mailbox.toUpperCase() !== 'INBOX' ? req.query.mailbox : null;
    const unsubscribers = [ctx.watchers.subscribe(req.session!.id, account, 'INBOX', send)];
    if (extra && extra.length <= 500) unsubscribers.push(ctx.watchers.subscribe(req.session!.id, account, extra, send));
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    res.on('close', () => {
      clearInterval(heartbeat);
      for (const u of unsubscribers) u();
    });
  });

  return router;
}
