// Reads an IMAP BODYSTRUCTURE (as parsed by imapflow): which parts are the readable body
// (text/plain and text/html) and which are attachments.
import type { MessageStructureObject } from 'imapflow';

export interface BodyPart {
  part: string;
  type: string;
  charset?: string;
  /** Content-Transfer-Encoding, lower case. */
  encoding?: string;
}

export interface AttachmentPart {
  part: string;
  filename: string;
  contentType: string;
  size: number;
  contentId: string | null;
  inline: boolean;
}

export interface MessageParts {
  text: BodyPart | null;
  html: BodyPart | null;
  attachments: AttachmentPart[];
}

/** Part number of a node: imapflow leaves it unset on a single-part message, whose body is part 1. */
const partOf = (node: MessageStructureObject) => node.part ?? '1';

export function analyseStructure(root: MessageStructureObject | undefined): MessageParts {
  const result: MessageParts = { text: null, html: null, attachments: [] };
  if (!root) return result;
  let counter = 0;

  const visit = (node: MessageStructureObject) => {
    const type = (node.type || 'text/plain').toLowerCase();
    if (type.startsWith('multipart/') && node.childNodes?.length) {
      for (const child of node.childNodes) visit(child);
      return;
    }
    const disposition = node.disposition?.toLowerCase();
    const filename = node.dispositionParameters?.filename ?? node.parameters?.name;
    const isBodyText = (type === 'text/plain' || type === 'text/html') && disposition !== 'attachment' && !filename;
    if (isBodyText) {
      const slot = type === 'text/html' ? 'html' : 'text';
      if (!result[slot]) {
        result[slot] = { part: partOf(node), type, charset: node.parameters?.charset, encoding: node.encoding?.toLowerCase() };
        return;
      }
    }
    counter++;
    const contentId = node.id ? node.id.replace(/^<|>$/g, '') : null;
    result.attachments.push({
      part: partOf(node),
      filename: filename || defaultName(type, counter),
      contentType: type,
      size: node.size ?? 0,
      contentId,
      inline: disposition === 'inline' || (!!contentId && disposition !== 'attachment'),
    });
  };
  visit(root);
  return result;
}

/** True when the message has parts a user would call attachments (inline cid: images excluded). */
export function hasAttachments(root: MessageStructureObject | undefined): boolean {
  return analyseStructure(root).attachments.some((a) => !(a.inline && a.contentId));
}

function defaultName(type: string, n: number): string {
  const ext: Record<string, string> = {
    'message/rfc822': 'eml',
    'text/calendar': 'ics',
    'text/plain': 'txt',
    'text/html': 'html',
    'application/pdf': 'pdf',
    'image/png': 'png',
    'image/jpeg': 'jpg',
    'image/gif': 'gif',
  };
  return `attachment-${n}.${ext[type] ?? 'bin'}`;
}

/**
 * Readable text from the first bytes of a body part (possibly cut anywhere): transfer encoding and
 * charset decoded, HTML reduced to its text, whitespace collapsed. For list previews only: the
 * result is shown as text, never as HTML.
 */
export function previewText(raw: Buffer, node: BodyPart): string {
  let bytes = raw;
  if (node.encoding === 'base64') {
    const clean = raw.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, '');
    bytes = Buffer.from(clean.slice(0, clean.length - (clean.length % 4)), 'base64');
  } else if (node.encoding === 'quoted-printable') {
    const text = raw.toString('latin1').replace(/=\r?\n/g, '').replace(/=[0-9A-Fa-f]?$/, '');
    bytes = Buffer.from(text.replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
  }
  let text: string;
  try {
    text = new TextDecoder(node.charset || 'utf-8').decode(bytes);
  } catch {
    text = new TextDecoder('utf-8').decode(bytes);
  }
  if (node.type === 'text/html') {
    text = text
      .replace(/<(style|script|head|title)\b[\s\S]*?(<\/\1\s*>|$)/gi, ' ')
      .replace(/<[^>]*(>|$)/g, ' ')
      .replace(/&nbsp;/gi, ' ')
      .replace(/&amp;/gi, '&')
      .replace(/&lt;/gi, '<')
      .replace(/&gt;/gi, '>')
      .replace(/&quot;/gi, '"')
      .replace(/&#39;/gi, "'");
  }
  return text.replace(/\uFFFD+$/, '').replace(/\s+/g, ' ').trim();
}
