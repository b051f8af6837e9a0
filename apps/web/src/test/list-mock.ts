// Fake windowed message lists for the list tests (GET …/messages?offset&limit&sort&order&q&threads).
import type { MessageRow } from '../lib/api-types.js';
import type { Handler } from './api-mock.js';
import { summary } from './api-mock.js';

export function windowHandler(total: number, row: (index: number) => MessageRow = (i) => summary(total - i)): Handler {
  return (req) => {
    const url = new URL(req.path, 'http://localhost');
    const offset = Number(url.searchParams.get('offset') ?? 0);
    const limit = Number(url.searchParams.get('limit') ?? 50);
    const count = Math.max(0, Math.min(limit, total - offset));
    return {
      status: 200,
      body: {
        mailbox: decodeURIComponent(url.pathname.split('/')[3] ?? ''),
        total,
        offset,
        limit,
        sort: url.searchParams.get('sort') ?? 'date',
        order: url.searchParams.get('order') ?? 'desc',
        messages: Array.from({ length: count }, (_, i) => row(offset + i)),
      },
    };
  };
}
