// Local recovery: the compose state is kept in localStorage (per compose session) while writing, so
// nothing typed is lost when the tab crashes; removed on send and discard. Small and zod-free: it is
// part of the first bundle (the app offers recovery at start).
import type { ComposeStateInput, Upload } from '@mailroom/shared';

export const RECOVERY_PREFIX = 'mailroom.compose.';

export interface RecoveryEntry {
  sessionId: string;
  /** ms since the epoch. */
  savedAt: number;
  state: ComposeStateInput;
  attachments: Upload[];
}

export function writeRecovery(entry: RecoveryEntry): void {
  try {
    localStorage.setItem(RECOVERY_PREFIX + entry.sessionId, JSON.stringify(entry));
  } catch {
    // storage full or disabled: the server-side draft still protects the message
  }
}

export function removeRecovery(sessionId: string): void {
  try {
    localStorage.removeItem(RECOVERY_PREFIX + sessionId);
  } catch {
    // ignore
  }
}

function isEntry(value: unknown): value is RecoveryEntry {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<RecoveryEntry>;
  return typeof v.sessionId === 'string' && typeof v.savedAt === 'number' && typeof v.state === 'object' && v.state !== null && Array.isArray(v.attachments);
}

/** Every stored session, newest first; unreadable entries are dropped. */
export function listRecovery(): RecoveryEntry[] {
  const out: RecoveryEntry[] = [];
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (!key?.startsWith(RECOVERY_PREFIX)) continue;
      try {
        const value: unknown = JSON.parse(localStorage.getItem(key) ?? '');
        if (isEntry(value)) out.push(value);
      } catch {
        // unreadable: ignore
      }
    }
  } catch {
    return [];
  }
  return out.sort((a, b) => b.savedAt - a.savedAt);
}

export function newSessionId(): string {
  const random = typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  return random;
}
