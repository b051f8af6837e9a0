import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend, startRedis, type RunningBackend, type RunningRedis } from '@mailroom/testkit';

// Two webmail processes behind one port, sessions in Redis: a signed-in user is served by either,
// survives a restart of one, and live updates keep flowing.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SESSION_KEY = '5e'.repeat(32);

interface Node {
  child: ChildProcess;
  port: number;
}

let redis: RunningRedis;
let backend: RunningBackend;
const nodes: Node[] = [];
let proxy: net.Server;
let proxyPort: number;
let turn = 0;
const served: number[] = [];

async function startNode(): Promise<Node> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/server/src/cli.ts', 'webmail'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      IMAP_HOST: backend.imap.host,
      IMAP_PORT: String(backend.imap.port),
      SUBMISSION_HOST: backend.submission.host,
      SUBMISSION_PORT: String(backend.submission.port),
      SESSION_STORE: redis.url,
      SESSION_KEY,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const check = setInterval(() => {
      const m = /webmail on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearInterval(check);
        resolve(Number(m[1]));
      } else if (child.exitCode !== null) {
        clearInterval(check);
        reject(new Error(`webmail exited: ${out}`));
      }
    }, 50);
  });
  return { child, port };
}

async function stopNode(node: Node) {
  if (node.child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    node.child.once('exit', () => resolve());
    node.child.kill('SIGTERM');
  });
}

/** One HTTP request on a new connection through the proxy (so the proxy alternates nodes). */
function call(method: string, url: string, opts: { cookie?: string; csrf?: string; body?: unknown } = {}) {
  return new Promise<{ status: number; body: any; setCookie: string[] }>((resolve, reject) => {
    const data = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port: proxyPort,
        method,
        path: url,
        agent: false,
        headers: {
          connection: 'close',
          ...(opts.cookie ? { cookie: opts.cookie } : {}),
          ...(opts.csrf ? { 'x-csrf-token': opts.csrf } : {}),
          ...(data ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null, setCookie: res.headers['set-cookie'] ?? [] }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

beforeAll(async () => {
  redis = await startRedis();
  backend = await startBackend('embedded', { perUser: 5 });
  nodes.push(await startNode(), await startNode());
  proxy = net.createServer((client) => {
    const index = turn++ % nodes.length;
    served.push(index);
    const upstream = net.connect({ host: '127.0.0.1', port: nodes[index]!.port });
    client.pipe(upstream).pipe(client);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyPort = (proxy.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await new Promise((r) => proxy?.close(r));
  await Promise.all(nodes.map(stopNode));
  await backend?.close();
  await redis?.close();
});

describe('two webmail nodes with sessions in Redis', () => {
  it('serve one signed-in user alternately, across a restart, with live updates', async () => {
    const first = await call('GET', '/api/session');
    const csrf = /mr_csrf=([^;]+)/.exec(first.setCookie.join(';'))![1]!;
    const login = await call('POST', '/api/session', { cookie: `mr_csrf=${csrf}`, csrf, body: { email: 'alice@demo.test', password: 'demo' } });
    expect(login.status).toBe(200);
    const cookie = login.setCookie.map((c) => c.split(';')[0]).join('; ');
    const sessionCsrf = /mr_csrf=([^;]+)/.exec(cookie)![1]!;

    const start = served.length;
    for (let i = 0; i < 4; i++) {
      const res = await call('GET', '/api/mailboxes/INBOX/messages?limit=5', { cookie });
      expect(res.status).toBe(200);
      expect(res.body.messages.length).toBe(5);
    }
    expect(new Set(served.slice(start))).toEqual(new Set([0, 1])); // both nodes answered
    // a state-changing request on the other node: the CSRF token is the session's, in Redis
    const uid = (await call('GET', '/api/mailboxes/INBOX/messages?limit=1', { cookie })).body.messages[0].uid;
    expect((await call('PATCH', `/api/mailboxes/INBOX/messages/${uid}`, { cookie, csrf: sessionCsrf, body: { flagged: true } })).status).toBe(204);

    // restart node 0: the session lives on
    await stopNode(nodes[0]!);
    nodes[0] = await startNode();
    for (let i = 0; i < 2; i++) expect((await call('GET', '/api/session', { cookie })).status).toBe(200);

    // live updates through the proxy (whichever node answers)
    const events = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: proxyPort, path: '/api/events', agent: false, headers: { cookie } }, resolve);
      req.on('error', reject);
      req.end();
    });
    expect(events.statusCode).toBe(200);
    let text = '';
    const got = (re: RegExp) =>
      new Promise<void>((resolve) => {
        const check = () => (re.test(text) ? resolve() : undefined);
        events.on('data', (c: Buffer) => {
          text += c.toString();
          check();
        });
        check();
      });
    await got(/"type":"watching"/);
    const other = new ImapFlow({ host: backend.imap.host, port: backend.imap.port, secure: false, auth: { user: 'alice@demo.test', pass: 'demo' }, logger: false });
    await other.connect();
    await other.append('INBOX', Buffer.from('Subject: from another client\r\n\r\nhi\r\n'));
    await other.logout();
    await got(/"type":"exists"/);
    events.destroy();

    // signing out on one node ends the session on both
    expect((await call('DELETE', '/api/session', { cookie, csrf: sessionCsrf })).status).toBe(204);
    for (let i = 0; i < 2; i++) expect((await call('GET', '/api/session', { cookie })).status).toBe(401);
  });
});
