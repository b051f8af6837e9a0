// Session storage. Sessions hold the user's address, the sealed mail password and the CSRF token;
// the browser only ever sees the opaque id. In-memory for one node; a Redis store (issue #7)
// implements the same interface for several nodes.
import { randomBytes } from 'node:crypto';

export interface SessionData {
  id: string;
  email: string;
  /** The mail password, sealed with CredentialSealer (AES-256-GCM). */
  sealedPassword: string;
  csrf: string;
  createdAt: number;
  lastSeenAt: number;
}

export interface SessionStore {
  get(id: string): Promise<SessionData | null>;
  set(session: SessionData): Promise<void>;
  delete(id: string): Promise<void>;
  close(): Promise<void>;
}

export const newSessionId = () => randomBytes(32).toString('base64url');
export const newCsrfToken = () => randomBytes(24).toString('base64url');

export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, SessionData>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly idleMs: number) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(idleMs, 60_000));
    this.sweeper.unref();
  }

  async get(id: string): Promise<SessionData | null> {
    const s = this.sessions.get(id);
    if (!s) return null;
    if (Date.now() - s.lastSeenAt > this.idleMs) {
      this.sessions.delete(id);
      return null;
    }
    return s;
  }

  async set(session: SessionData): Promise<void> {
    this.sessions.set(session.id, session);
  }

  async delete(id: string): Promise<void> {
    this.sessions.delete(id);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.sessions.clear();
  }

  private sweep() {
    const now = Date.now();
    for (const [id, s] of this.sessions) if (now - s.lastSeenAt > this.idleMs) this.sessions.delete(id);
  }
}
