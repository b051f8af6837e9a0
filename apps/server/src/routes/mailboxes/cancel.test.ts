import { describe, expect, it, vi } from 'vitest';
import type { ImapFlow } from 'imapflow';
import { listMessages } from './service.js';

describe('listMessages', () => {
  it('does no IMAP work for a window the browser has already given up on', async () => {
    // Only the lock is real here: the point is that nothing after it runs.
    const release = vi.fn();
    const client = {
      getMailboxLock: vi.fn(async () => ({ release })),
      noop: vi.fn(),
      fetchAll: vi.fn(),
      mailbox: { exists: 100_000 },
    } as unknown as ImapFlow;
    const cancelled = new AbortController();
    cancelled.abort();
    await expect(
      listMessages(client, 'INBOX', { offset: 50_000, limit: 100, sort: 'date', order: 'desc', threads: false }, cancelled.signal),
    ).rejects.toMatchObject({ status: 499 });
    expect(client.noop).not.toHaveBeenCalled();
    expect(client.fetchAll).not.toHaveBeenCalled();
    expect(release).toHaveBeenCalled();
  });
});
