// Mailboxes, message lists, single messages, flags and attachments.
import { pipeline } from 'node:stream/promises';
import { Router, type Request } from 'express';
import type { ImapFlow } from 'imapflow';
import { flagsUpdateRequest, mailboxCreateRequest, mailboxUpdateRequest, messageActionRequest, messageListQuery } from '@mailroom/shared';
import { Zip, ZipPassThrough } from 'fflate';
import libmime from 'libmime';
import type { AppContext } from '../../context.js';
import { accountOf, requireSession } from '../../session/middleware.js';
import { parseBody, parseUid } from '../validate.js';
import { runAction } from './actions.js';
import { afterFirstScreen, firstScreenWindow } from './first-screen.js';
import { FIRST_WINDOW_SIZE, refreshFirstWindow, scheduleFirstWindowRefresh, sessionRequestEnded, sessionRequestStarted } from './first-window.js';
import { createMailbox, deleteMailbox, emptyMailbox, quota, updateMailbox } from './folders.js';
import { fetchMessage, getMessage, getThread, listMailboxes, listMessages, listUids, streamAttachment, updateFlags, withMailbox } from './service.js';
import { analyseStructure } from '../../imap/structure.js';
import { HttpError, notFound } from '../../errors.js';

/** Image types shown inline; every other attachment is served as a download. */
const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

export function mailboxesRouter(ctx: AppContext): Router {
  const router = Router();
  router.use(requireSession);

  const withClient = <T>(req: Request, fn: (client: ImapFlow) => Promise<T>) =>
    ctx.imap.withClient(req.session!.id, accountOf(req, ctx.sealer), fn);

  const mailboxOf = (req: Request) => String(req.params.mailbox);

  // INBOX's stored first window (first-window.ts) follows the session: after anything that may
  // change INBOX (every change the session makes, reading a message marks it seen) and whenever
  // the browser reloads that window (live updates from other clients), the session reads it again
  // in the background, once things have settled.
  const keepFirstWindow = (req: Request) => {
    const id = req.session!.id;
    const account = accountOf(req, ctx.sealer);
    scheduleFirstWindowRefresh(id, account.email, async () => {
      if (!(await ctx.sessions.get(id))) return; // signed out meanwhile: no new connection for it
      const preferences = await ctx.preferences.get(account.email).catch(() => undefined);
      await ctx.imap.withClient(id, account, (c) => refreshFirstWindow(c, { threads: preferences?.conversationView ?? false }));
    });
  };
  router.use((req, res, next) => {
    const reading = req.method === 'GET' && /^\/[^/]+\/messages\/\d+$/.test(req.path) && !(req.query.peek === '1' || req.query.peek === 'true');
    const firstWindow =
      req.method === 'GET' &&
      req.path === '/INBOX/messages' &&
      Number(req.query.offset ?? 0) === 0 &&
      Number(req.query.limit) === FIRST_WINDOW_SIZE &&
      (req.query.sort ?? 'date') === 'date' &&
      (req.query.order ?? 'desc') === 'desc' &&
      !req.query.q;
    const id = req.session!.id;
    sessionRequestStarted(id);
    // on 'close': also when the browser went away before the answer (the work was done anyway)
    res.on('close', () => {
      if ((req.method !== 'GET' || reading || firstWindow) && res.statusCode < 400) keepFirstWindow(req);
      sessionRequestEnded(id);
    });
    next();
  });

  router.get('/', async (req, res) => {
    const all = req.query.all === '1' || req.query.all === 'true';
    await afterFirstScreen(req.session!.id);
    const mailboxes = await withClient(req, (c) => listMailboxes(c, all));
    res.json({ mailboxes });
  });

  router.post('/', async (req, res) => {
    const { path } = parseBody(mailboxCreateRequest, req.body);
    res.status(201).json(await withClient(req, (c) => createMailbox(c, path)));
  });

  router.patch('/:mailbox', async (req, res) => {
    const change = parseBody(mailboxUpdateRequest, req.body);
    await withClient(req, (c) => updateMailbox(c, mailboxOf(req), change));
    res.status(204).end();
  });

  router.delete('/:mailbox', async (req, res) => {
    await withClient(req, (c) => deleteMailbox(c, mailboxOf(req)));
    res.status(204).end();
  });

  router.post('/:mailbox/empty', async (req, res) => {
    await withClient(req, (c) => emptyMailbox(c, mailboxOf(req)));
    res.status(204).end();
  });

  router.get('/:mailbox/messages', async (req, res) => {
    const q = parseBody(messageListQuery, req.query);
    const cancelled = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) cancelled.abort();
    });
    const work = withClient(req, (c) => listMessages(c, mailboxOf(req), q, cancelled.signal));
    if (!q.previews) firstScreenWindow(req.session!.id, work);
    res.json(await work);
  });

  router.get('/:mailbox/uids', async (req, res) => {
    const q = parseBody(messageListQuery, req.query);
    res.json({ uids: await withClient(req, (c) => listUids(c, mailboxOf(req), q)) });
  });

  router.post('/:mailbox/messages/actions', async (req, res) => {
    const action = parseBody(messageActionRequest, req.body);
    res.json(await withClient(req, (c) => runAction(c, mailboxOf(req), action)));
  });

  router.get('/:mailbox/threads/:threadId', async (req, res) => {
    const id = parseUid(req.params.threadId);
    res.json(await withClient(req, (c) => getThread(c, mailboxOf(req), id)));
  });

  router.get('/:mailbox/messages/:uid', async (req, res) => {
    const uid = parseUid(req.params.uid);
    const peek = req.query.peek === '1' || req.query.peek === 'true';
    const message = await withClient(req, (c) => getMessage(c, mailboxOf(req), uid, peek));
    res.set('Cache-Control', 'no-store').json(message);
  });

  router.get('/:mailbox/messages/:uid/source', async (req, res) => {
    const uid = parseUid(req.params.uid);
    await withClient(req, (c) =>
      withMailbox(c, mailboxOf(req), async () => {
        await fetchMessage(c, uid);
        const dl = await c.download(String(uid), undefined, { uid: true });
        if (!dl.content) throw notFound(`Message ${uid}`);
        res.set({
          'Content-Type': 'text/plain; charset=utf-8',
          'Content-Disposition': contentDisposition(req.query.download === undefined ? 'inline' : 'attachment', `message-${uid}.eml`),
          'X-Content-Type-Options': 'nosniff',
          'Content-Security-Policy': "default-src 'none'; sandbox",
        });
        await pipeline(dl.content, res);
      }),
    );
  });

  router.get('/:mailbox/messages/:uid/headers', async (req, res) => {
    const uid = parseUid(req.params.uid);
    const headers = await withClient(req, (c) =>
      withMailbox(c, mailboxOf(req), async () => {
        const msg = await c.fetchOne(String(uid), { uid: true, headers: true }, { uid: true });
        if (!msg || !msg.headers) throw notFound(`Message ${uid}`);
        return parseHeaders(msg.headers);
      }),
    );
    res.json({ headers });
  });

  router.get('/:mailbox/messages/:uid/attachments.zip', async (req, res) => {
    const uid = parseUid(req.params.uid);
    await withClient(req, (c) =>
      withMailbox(c, mailboxOf(req), async () => {
        const msg = await fetchMessage(c, uid);
        const parts = analyseStructure(msg.bodyStructure).attachments.filter((a) => !(a.inline && a.contentId));
        if (!parts.length) throw new HttpError(404, 'not_found', 'This message has no attachments');
        res.set({
          'Content-Type': 'application/zip',
          'Content-Disposition': contentDisposition('attachment', `${(msg.envelope?.subject || 'attachments').slice(0, 80)}.zip`),
          'X-Content-Type-Options': 'nosniff',
        });
        await new Promise<void>((resolve, reject) => {
          const zip = new Zip((err, chunk, final) => {
            if (err) return reject(err);
            res.write(chunk);
            if (final) resolve();
          });
          const used = new Set<string>();
          void (async () => {
            try {
              for (const part of parts) {
                const name = uniqueName(part.filename, used);
                const entry = new ZipPassThrough(name);
                zip.add(entry);
                const dl = await c.download(String(uid), part.part, { uid: true });
                if (dl.content) for await (const chunk of dl.content as AsyncIterable<Buffer>) entry.push(chunk);
                entry.push(new Uint8Array(0), true);
              }
              zip.end();
            } catch (err) {
              reject(err as Error);
            }
          })();
        });
        res.end();
      }),
    );
  });

  router.patch('/:mailbox/messages/:uid', async (req, res) => {
    const uid = parseUid(req.params.uid);
    const change = parseBody(flagsUpdateRequest, req.body);
    await withClient(req, (c) => updateFlags(c, String(req.params.mailbox), uid, change));
    res.status(204).end();
  });

  router.get('/:mailbox/messages/:uid/attachments/:part', async (req, res) => {
    const uid = parseUid(req.params.uid);
    await withClient(req, (c) =>
      streamAttachment(c, String(req.params.mailbox), uid, String(req.params.part), async (meta, content) => {
        const inline = INLINE_TYPES.has(meta.contentType) && req.query.download === undefined;
        res.set({
          'Content-Type': inline ? meta.contentType : safeType(meta.contentType),
          'Content-Disposition': contentDisposition(inline ? 'inline' : 'attachment', meta.filename),
          'X-Content-Type-Options': 'nosniff',
          'Content-Security-Policy': "default-src 'none'; sandbox",
          'Cache-Control': 'private, max-age=3600',
        });
        await pipeline(content, res);
      }),
    );
  });

  return router;
}

/** GET /api/quota: storage used and allowed (IMAP QUOTA), or nulls when the server has none. */
export function quotaRouter(ctx: AppContext): Router {
  const router = Router();
  router.use(requireSession);
  router.get('/', async (req, res) => {
    await afterFirstScreen(req.session!.id);
    res.json(await ctx.imap.withClient(req.session!.id, accountOf(req, ctx.sealer), (c) => quota(c)));
  });
  return router;
}

/** Never let a download be rendered as an active document by the browser. */
function safeType(type: string) {
  return /^[a-z0-9.+-]+\/[a-z0-9.+-]+$/i.test(type) && !/html|xml|javascript|svg/i.test(type) ? type : 'application/octet-stream';
}

/** RFC 6266 Content-Disposition with an ASCII fallback and the UTF-8 name. */
export function contentDisposition(kind: 'inline' | 'attachment', filename: string) {
  const clean = filename.replace(/[\r\n"\\/]/g, '_').slice(0, 200) || 'attachment';
  const ascii = clean.replace(/[^\x20-\x7e]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(clean)}`;
}

function uniqueName(name: string, used: Set<string>): string {
  const clean = name.replace(/[\\/\x00-\x1f]/g, '_') || 'attachment';
  let candidate = clean;
  for (let i = 2; used.has(candidate.toLowerCase()); i++) candidate = clean.replace(/(\.[^.]*)?$/, (ext) => ` (${i})${ext}`);
  used.add(candidate.toLowerCase());
  return candidate;
}

/** Header block → name/value pairs, unfolded, encoded-words decoded. */
export function parseHeaders(block: Buffer): Array<{ name: string; value: string }> {
  const text = block.toString('utf8').replace(/\r?\n[ \t]+/g, ' ');
  const out: Array<{ name: string; value: string }> = [];
  for (const line of text.split(/\r?\n/)) {
    const idx = line.indexOf(':');
    if (idx <= 0) continue;
    const value = line.slice(idx + 1).trim();
    let decoded = value;
    try {
      decoded = libmime.decodeWords(value);
    } catch {
      // keep the raw value
    }
    out.push({ name: line.slice(0, idx).trim(), value: decoded });
  }
  return out;
}
