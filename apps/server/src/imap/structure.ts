// Reads an IMAP BODYSTRUCTURE (as parsed by imapflow): which parts are the readable body
// (text/plain and text/html) and which are attachments.
import type { MessageStructureObject } from 'imapflow';

export interface BodyPart {
  part: string;
  type: string;
  charset?: string;
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
        result[slot] = { part: partOf(node), type, charset: node.parameters?.charset };
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
