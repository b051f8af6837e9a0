// Compose: drafts, reply prefill, recipient parsing and the send mutation options.
import { mutationOptions, type QueryClient } from '@tanstack/react-query';
import { emailAddress, type MessageDetail, type SendRequest, type SendResponse } from '@mailroom/shared';
import { api } from '../../lib/http.js';
import { formatAddress, formatFullDate } from '../../lib/format.js';
import { mailboxKeys } from '../mailbox/mailbox.queries.js';

export interface ComposeDraft {
  to: string;
  cc: string;
  subject: string;
  text: string;
  inReplyTo?: string;
  references?: string[];
}

export const EMPTY_DRAFT: ComposeDraft = { to: '', cc: '', subject: '', text: '' };

export type ParsedRecipients = { ok: true; addresses: string[] } | { ok: false; invalid: string };

/** Splits "a@x.org, Bob <b@y.org>; c@z.org" into bare addresses, reporting the first invalid one. */
export function parseRecipients(input: string): ParsedRecipients {
  const addresses: string[] = [];
  for (const raw of input.split(/[,;\n]/)) {
    const part = raw.trim();
    if (!part) continue;
    const angle = /<([^<>]*)>\s*$/.exec(part);
    const candidate = (angle ? angle[1] : part)?.trim() ?? '';
    if (!emailAddress.safeParse(candidate).success) return { ok: false, invalid: part };
    addresses.push(candidate);
  }
  return { ok: true, addresses };
}

function quote(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .replace(/\n+$/, '')
    .split('\n')
    .map((line) => (line.startsWith('>') ? `>${line}` : `> ${line}`))
    .join('\n');
}

/** A reply to `message`: To the Reply-To (or sender), "Re: " subject, quoted text, threading headers. */
export function replyDraft(message: MessageDetail): ComposeDraft {
  const recipient = message.replyTo[0] ?? message.from[0];
  const subject = /^re:/i.test(message.subject.trim()) ? message.subject.trim() : `Re: ${message.subject.trim()}`;
  const sender = message.from[0] ? formatAddress(message.from[0]) : 'someone';
  const body = message.text ?? '';
  const draft: ComposeDraft = {
    to: recipient ? recipient.address : '',
    cc: '',
    subject,
    text: `\n\nOn ${formatFullDate(message.date)}, ${sender} wrote:\n${quote(body)}\n`,
  };
  if (message.messageId) {
    draft.inReplyTo = message.messageId;
    draft.references = [message.messageId];
  }
  return draft;
}

/** Reply to the sender and every other recipient except me. */
export function replyAllDraft(message: MessageDetail, me: string): ComposeDraft {
  const draft = replyDraft(message);
  const mine = me.toLowerCase();
  const first = draft.to.toLowerCase();
  const seen = new Set([mine, first]);
  const others: string[] = [];
  for (const a of [...message.to, ...message.cc]) {
    const addr = a.address.toLowerCase();
    if (!addr || seen.has(addr)) continue;
    seen.add(addr);
    others.push(a.address);
  }
  return { ...draft, cc: others.join(', ') };
}

/** Forward: empty recipients, "Fwd: " subject, the original headers and text below. */
export function forwardDraft(message: MessageDetail): ComposeDraft {
  const subject = /^fwd?:/i.test(message.subject.trim()) ? message.subject.trim() : `Fwd: ${message.subject.trim()}`;
  const lines = [
    '',
    '',
    '---------- Forwarded message ----------',
    `From: ${message.from.map(formatAddress).join(', ')}`,
    `Date: ${formatFullDate(message.date)}`,
    `Subject: ${message.subject}`,
    `To: ${message.to.map(formatAddress).join(', ')}`,
    '',
    message.text ?? '',
  ];
  return { to: '', cc: '', subject, text: lines.join('\n') };
}

export const sendMessageMutation = (queryClient: QueryClient) =>
  mutationOptions({
    mutationKey: ['send'],
    mutationFn: (body: SendRequest) => api.post<SendResponse>('/api/messages/send', body),
    onSuccess: () => {
      // The copy in Sent changes its counts and list.
      void queryClient.invalidateQueries({ queryKey: mailboxKeys.all });
    },
  });
