/** ENVELOPE and BODYSTRUCTURE as IMAP data (nested arrays of string | number | null). */
import { parseAddressList } from './address.js';
import { countLines, headerValue, parseStructuredHeader, type MimeNode } from './parse.js';

export type ImapData = null | number | string | ImapData[];

function addressData(value: string | null): ImapData {
  const list = parseAddressList(value);
  if (!list.length) return null;
  return list.map((a): ImapData => {
    if (a.group) return a.group.start ? [null, null, a.group.name ?? '', null] : [null, null, null, null];
    return [a.name, null, a.mailbox ?? '', a.host ?? ''];
  });
}

export function envelopeOf(node: MimeNode): ImapData[] {
  const h = (k: string) => headerValue(node.headers, k);
  const from = addressData(h('from'));
  const sender = addressData(h('sender')) ?? from;
  const replyTo = addressData(h('reply-to')) ?? from;
  return [h('date'), h('subject'), from, sender, replyTo, addressData(h('to')), addressData(h('cc')), addressData(h('bcc')), h('in-reply-to'), h('message-id')];
}

function paramsData(params: Array<[string, string]>): ImapData {
  if (!params.length) return null;
  const out: string[] = [];
  for (const [k, v] of params) out.push(k.toUpperCase(), v);
  return out;
}

function dispositionData(node: MimeNode): ImapData {
  const v = headerValue(node.headers, 'content-disposition');
  if (!v) return null;
  const p = parseStructuredHeader(v);
  if (!p.value) return null;
  return [p.value.toUpperCase(), paramsData(p.params)];
}

function languageData(node: MimeNode): ImapData {
  const v = headerValue(node.headers, 'content-language');
  if (!v) return null;
  const langs = v.split(',').map((s) => s.trim()).filter(Boolean);
  return langs.length ? langs : null;
}

/** BODYSTRUCTURE (extensible = true) or BODY (extensible = false). */
export function bodyStructureOf(node: MimeNode, extensible: boolean): ImapData[] {
  const ct = node.contentType;
  if (ct.type === 'multipart') {
    const out: ImapData[] = node.children.map((c) => bodyStructureOf(c, extensible));
    out.push(ct.subtype.toUpperCase());
    if (extensible) out.push(paramsData(ct.params), dispositionData(node), languageData(node), headerValue(node.headers, 'content-location'));
    return out;
  }
  const h = (k: string) => headerValue(node.headers, k);
  const out: ImapData[] = [
    ct.type.toUpperCase(),
    ct.subtype.toUpperCase(),
    paramsData(ct.params),
    h('content-id'),
    h('content-description'),
    (h('content-transfer-encoding') ?? '7BIT').toUpperCase(),
    node.body.length,
  ];
  if (node.message) {
    out.push(envelopeOf(node.message), bodyStructureOf(node.message, extensible), countLines(node.body));
  } else if (ct.type === 'text') {
    out.push(countLines(node.body));
  }
  if (extensible) out.push(h('content-md5'), dispositionData(node), languageData(node), h('content-location'));
  return out;
}
