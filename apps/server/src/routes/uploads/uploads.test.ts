import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF_HEADER, type Upload } from '@mailroom/shared';
import { Browser, startTestStack, type TestStack } from '../../test-support.js';
import { purgeUploads } from './router.js';

const LIMIT = 4096;
let stack: TestStack;
let dataDir: string;
let alice: Browser;
let bob: Browser;

const files = () => {
  const root = path.join(dataDir, 'uploads');
  let count = 0;
  for (const owner of readdirSync(root, { withFileTypes: true })) {
    if (owner.isDirectory()) count += readdirSync(path.join(root, owner.name)).length;
  }
  return count;
};

const upload = (b: Browser, body: Buffer, name: string, type: string) =>
  b.agent.post('/api/uploads').set(CSRF_HEADER, b.csrf).set('Content-Type', type).set('X-File-Name', encodeURIComponent(name)).serialize((x: unknown) => x as string).send(body);

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'mailroom-upl-'));
  stack = await startTestStack({ perUser: 1, config: { dataDir, maxMessageBytes: LIMIT } });
  alice = new Browser(stack.app);
  await alice.login('alice@demo.test');
  bob = new Browser(stack.app);
  await bob.login('bob@demo.test');
});
afterAll(async () => {
  await stack?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('uploads', () => {
  it('stores raw bytes with a cleaned name and serves them back only to their owner', async () => {
    const bytes = Buffer.from('{"not": "parsed as json"}');
    const res = await upload(alice, bytes, '../../etc/Grüße\u0001.json', 'application/json');
    expect(res.status).toBe(201);
    const up = res.body as Upload;
    expect(up).toMatchObject({ filename: 'Grüße.json', contentType: 'application/json', size: bytes.length, url: `/api/uploads/${up.id}` });

    const got = await alice.agent.get(up.url).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(got.status).toBe(200);
    expect(Buffer.compare(got.body as Buffer, bytes)).toBe(0);
    expect(got.headers['x-content-type-options']).toBe('nosniff');
    expect(got.headers['content-security-policy']).toBe("sandbox; default-src 'none'");
    expect(got.headers['content-disposition']).toMatch(/^attachment; filename="Gr__e.json"; filename\*=UTF-8''Gr%C3%BC%C3%9Fe.json$/);

    expect((await bob.get(up.url)).status).toBe(404);
    expect((await bob.send('delete', up.url)).status).toBe(404);
    expect((await alice.get(up.url)).status).toBe(200);

    expect((await alice.send('delete', up.url)).status).toBe(204);
    expect((await alice.get(up.url)).status).toBe(404);
    expect((await alice.get('/api/uploads/..%2F..%2Fx')).status).toBe(404);
  });

  it('shows allowed image types inline and never active content', async () => {
    const png = (await upload(alice, Buffer.from([0x89, 0x50, 0x4e, 0x47]), 'a.png', 'image/png')).body as Upload;
    const png2 = await alice.get(png.url);
    expect(png2.headers['content-type']).toBe('image/png');
    expect(png2.headers['content-disposition']).toMatch(/^inline;/);

    const svg = (await upload(alice, Buffer.from('<svg onload="alert(1)"/>'), 'x.svg', 'image/svg+xml')).body as Upload;
    const svg2 = await alice.get(svg.url);
    expect(svg2.headers['content-type']).toMatch(/^application\/octet-stream/);
    expect(svg2.headers['content-disposition']).toMatch(/^attachment;/);

    const html = (await upload(alice, Buffer.from('<script>1</script>'), 'x.html', 'text/html')).body as Upload;
    expect((await alice.get(html.url)).headers['content-type']).toMatch(/^application\/octet-stream/);
  });

  it('refuses a file over the limit with 413 and keeps nothing', async () => {
    const before = files();
    const res = await upload(alice, Buffer.alloc(LIMIT + 1, 1), 'big.bin', 'application/octet-stream');
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('message_too_large');
    expect(res.body.error.message).toMatch(/larger than the limit of 4096 bytes/);
    expect(files()).toBe(before);
  });

  it('refuses a streamed (chunked) body that grows over the limit, keeps nothing, and stays up', async () => {
    const server: Server = stack.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const first = await fetch(`${base}/api/session`);
      const preCsrf = /mr_csrf=([^;]+)/.exec(first.headers.get('set-cookie') ?? '')![1]!;
      const login = await fetch(`${base}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': preCsrf, cookie: `mr_csrf=${preCsrf}` },
        body: JSON.stringify({ email: 'alice@demo.test', password: 'demo' }),
      });
      const setCookies = login.headers.getSetCookie();
      const cookie = setCookies.map((c) => c.split(';')[0]).join('; ');
      const csrf = /mr_csrf=([^;]+)/.exec(setCookies.join('\n'))![1]!;
      const before = files();
      const chunk = new Uint8Array(1024).fill(7);
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= 8) controller.close();
          else {
            sent++;
            controller.enqueue(chunk);
          }
        },
      });
      const res = await fetch(`${base}/api/uploads`, {
        method: 'POST',
        headers: { 'x-csrf-token': csrf, cookie, 'content-type': 'application/octet-stream', 'x-file-name': 'stream.bin' },
        body,
        duplex: 'half',
      } as RequestInit);
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('message_too_large');
      expect(files()).toBe(before);
      // a small streamed upload still works
      const ok = await fetch(`${base}/api/uploads`, {
        method: 'POST',
        headers: { 'x-csrf-token': csrf, cookie, 'content-type': 'text/plain', 'x-file-name': 'small.txt' },
        body: new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(new TextEncoder().encode('hello'));
            c.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
      expect(ok.status).toBe(201);
      expect(((await ok.json()) as Upload).size).toBe(5);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it("keeps the images that signatures show when it purges, until no signature shows them", async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cf00000301010018dd8db00000000049454e44ae426082', 'hex');
    const logo = (await upload(alice, png, 'logo.png', 'image/png')).body as Upload;
    const other = (await upload(alice, png, 'pasted.png', 'image/png')).body as Upload;
    const created = await alice.send('post', '/api/identities', { name: 'Alice', email: 'alice@demo.test', replyTo: null, signatureHtml: `<p>Alice<img src="${logo.url}" alt="logo"></p>`, isDefault: false });
    expect(created.status).toBe(201);
    expect(created.body.signatureHtml).toContain(logo.url);
    // a purge a minute from now with no retention: everything is old, only what signatures show stays
    const purgeAll = () => purgeUploads(stack.ctx, 0, Date.now() + 60_000);
    expect(await purgeAll()).toBeGreaterThanOrEqual(1);
    expect((await alice.get(other.url)).status).toBe(404);
    expect((await alice.get(logo.url)).status).toBe(200);
    // the signature no longer shows it: the next purge removes it
    expect((await alice.send('patch', `/api/identities/${created.body.id}`, { signatureHtml: '<p>Alice</p>' })).status).toBe(200);
    expect(await purgeAll()).toBeGreaterThanOrEqual(1);
    expect((await alice.get(logo.url)).status).toBe(404);
  });

  it('purges uploads older than the retention time', async () => {
    const up = (await upload(alice, Buffer.from('old'), 'old.txt', 'text/plain')).body as Upload;
    expect(await stack.ctx.uploads.purge(60_000, Date.now() + 120_000)).toBeGreaterThanOrEqual(1);
    expect((await alice.get(up.url)).status).toBe(404);
  });
});
