// Sending a message from compose: composed once (src/compose/mime.ts) with the chosen identity,
// checked against the size limit, then either held in the outbox (undo delay, send later) or sent
// at once (submission, Sent copy, draft removed, original flagged, contacts recorded).
import { randomBytes } from 'node:crypto';
import { domainToASCII } from 'node:url';
import type { Request } from 'express';
import type { ComposeState, SendMessageResponse } from '@mailroom/shared';
import { composeMime } from '../compose/mime.js';
import type { AppContext } from '../context.js';
import { outboxItemToApi } from '../data/outbox.js';
import { HttpError } from '../errors.js';
import { accountOf } from '../session/middleware.js';
import { smtpFeatures } from '../compose/limits.js';
import { submit } from '../smtp/submit.js';
import { afterSend } from './after-send.js';

/** The latest a message can be scheduled. */
export const MAX_SCHEDULE_MS = 366 * 24 * 60 * 60 * 1000;

export interface SendOptions {
  sendAt?: string;
  undoDelayMs?: number;
}

export async function sendFromCompose(ctx: AppContext, req: Request, state: ComposeState, opts: SendOptions): Promise<SendMessageResponse> {
  const account = accountOf(req, ctx.sealer);
  const user = req.session!.email;
  const now = Date.now();

  let when: number | null = null;
  if (opts.sendAt) {
    const at = Date.parse(opts.sendAt);
    if (!Number.isFinite(at) || at > now + MAX_SCHEDULE_MS) throw new HttpError(400, 'bad_request', 'Invalid request: sendAt: must be within a year from now');
    // A time already past (a slow clock in the browser) sends now, with the undo delay.
    if (at > now) when = at;
  }

  const identity = state.identityId ? await ctx.identities.get(user, state.identityId) : await ctx.identities.defaultFor(user);
  if (!identity) throw new HttpError(404, 'not_found', 'The chosen identity does not exist (any more). Pick another sender.');

  const endpoint = ctx.routing.for(account.email).smtp;
  const caps = await smtpFeatures(endpoint);
  const hostname = domainToASCII(identity.email.slice(identity.email.lastIndexOf('@') + 1)) || 'localhost';
  const composed = await composeMime(state, { identity, hostname, owner: user, uploads: ctx.uploads, smtpUtf8: caps?.smtpUtf8 ?? false });
  const limit = Math.min(ctx.config.maxMessageBytes, caps?.size ?? Number.POSITIVE_INFINITY);
  if (composed.wire.length > limit) {
    throw new HttpError(413, 'message_too_large', `The message is ${composed.wire.length} bytes; the limit is ${limit}.`);
  }

  const recipients = [...state.to, ...state.cc, ...state.bcc].map((r) => r.address);
  if (when === null) {
    const delay = opts.undoDelayMs ?? (await ctx.preferences.get(user)).undoSendDelayMs;
    if (delay > 0) when = now + delay;
  }

  if (when !== null) {
    const record = ctx.outbox.store.insert({
      account: account.email,
      sendAt: when,
      wire: composed.wire,
      sentCopy: composed.sentCopy,
      envelope: composed.envelope,
      state,
      subject: state.subject,
      recipients,
      messageId: composed.messageId,
      draftUid: state.draftUid ?? null,
      source: state.source ?? null,
      sealPassword: (id) => ctx.outbox.sealer.seal(account.password, id),
    });
    ctx.outbox.arm();
    return outboxItemToApi(record);
  }

  const log = ctx.logger.child({ reqId: req.id });
  await submit(endpoint, account, composed, log);
  ctx.metrics.messagesSent.inc();
  const savedToSent = await ctx.imap
    .withClient(req.session!.id, account, (client) => afterSend(client, { sentCopy: composed.sentCopy, draftUid: state.draftUid, source: state.source }, log))
    .catch((err: unknown) => {
      log.warn({ err: (err as Error).message }, 'could not reach IMAP after sending');
      return false;
    });
  await ctx.contacts.record(user, [...state.to, ...state.cc, ...state.bcc]).catch((err: unknown) => log.warn({ err }, 'could not record contacts'));
  return {
    ...outboxItemToApi({
      id: randomBytes(12).toString('base64url'),
      status: 'sent',
      sendAt: now,
      subject: state.subject,
      recipients,
      messageId: composed.messageId,
      error: null,
    }),
    savedToSent,
  };
}
