// Test helpers: a fake API behind a stubbed global fetch (the only boundary we mock) and a renderer
// with a fresh query client.
import { render } from '@testing-library/react';
import { vi } from 'vitest';
import type { ReactElement } from 'react';
import type { Mailbox, MessageDetail, MessageSummary } from '@mailroom/shared';
import { Providers } from '../app/providers.js';
import { createQueryClient } from '../app/query-client.js';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

export type Handler = (req: RecordedRequest) => { status: number; body?: unknown } | Promise<{ status: number; body?: unknown }>;

/** Stubs fetch with a route table keyed by "METHOD /path" (path without query string, or with it). */
export function mockApi(routes: Record<string, Handler>) {
  const requests: RecordedRequest[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://localhost');
    const method = (init?.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => (headers[k] = v));
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    const req: RecordedRequest = { method, path: url.pathname + url.search, headers, body };
    requests.push(req);
    const handler = routes[`${method} ${url.pathname}${url.search}`] ?? routes[`${method} ${url.pathname}`];
    const result = handler ? await handler(req) : { status: 404, body: { error: { code: 'not_found', message: 'Not found' } } };
    const text = result.body === undefined ? '' : JSON.stringify(result.body);
    return new Response(result.status === 204 ? null : text, {
      status: result.status,
      headers: { 'content-type': 'application/json' },
    });
  });
  vi.stubGlobal('fetch', fetchMock);
  return { requests, fetchMock };
}

export const json = (body: unknown, status = 200) => () => ({ status, body });
export const apiError = (status: number, code: string, message: string) => () => ({ status, body: { error: { code, message } } });

export function renderApp(ui: ReactElement) {
  const client = createQueryClient();
  return { client, ...render(<Providers client={client}>{ui}</Providers>) };
}

export function mailbox(path: string, extra: Partial<Mailbox> = {}): Mailbox {
  const name = path.split('/').pop() ?? path;
  return { path, name, delimiter: '/', specialUse: null, total: 0, unseen: 0, subscribed: true, parent: null, flags: [], ...extra };
}

export function summary(uid: number, extra: Partial<MessageSummary> = {}): MessageSummary {
  return {
    uid,
    subject: `Subject ${uid}`,
    from: [{ name: `Sender ${uid}`, address: `sender${uid}@example.org` }],
    to: [{ name: 'Me', address: 'me@example.org' }],
    date: new Date(Date.UTC(2025, 0, 1, 12, 0) + uid * 60_000).toISOString(),
    flags: [],
    seen: true,
    flagged: false,
    hasAttachments: false,
    size: 1000,
    preview: `Preview of ${uid}`,
    keywords: [],
    ...extra,
  };
}

export function detail(uid: number, extra: Partial<MessageDetail> = {}): MessageDetail {
  return {
    ...summary(uid),
    mailbox: 'INBOX',
    cc: [],
    replyTo: [],
    messageId: `<m${uid}@example.org>`,
    text: `Body of message ${uid}`,
    html: null,
    attachments: [],
    ...extra,
  };
}
