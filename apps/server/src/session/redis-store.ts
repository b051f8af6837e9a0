// Sessions in Redis, for several webmail nodes behind one load balancer (SESSION_STORE=redis://…).
// Every node must share SESSION_KEY so any node can open the sealed credentials.
import { Redis } from 'ioredis';
import type { SessionData, SessionStore } from './store.js';

const PREFIX = 'mailroom:session:';

export class RedisSessionStore implements SessionStore {
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly idleMs: number,
  ) {
    this.redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2, enableOfflineQueue: true });
    // Connection problems surface as rejected commands (→ 503); never as an unhandled 'error' event.
    this.redis.on('error', () => undefined);
  }

  async get(id: string): Promise<SessionData | null> {
    const raw = await this.redis.get(PREFIX + id);
    if (!raw) return null;
    try {
      return JSON.parse(raw) as SessionData;
    } catch {
      return null;
    }
  }

  async set(session: SessionData): Promise<void> {
    await this.redis.set(PREFIX + session.id, JSON.stringify(session), 'PX', this.idleMs);
  }

  async delete(id: string): Promise<void> {
    await this.redis.del(PREFIX + id);
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
