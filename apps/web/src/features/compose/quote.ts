// The HTML that prefill returns (the quoted original, a draft's body) is untrusted mail HTML:
// sanitised with lib/sanitize.ts (remote content blocked) before it goes into the editor. Our own
// upload URLs (inline images of drafts and forwarded messages) are kept.
import type { Attachment } from '@mailroom/shared';
import { sanitizeEmailHtml } from '../../lib/sanitize.js';

const UPLOAD_SRC = /(<img\b[^>]*?\bsrc\s*=\s*)(["'])(?:https?:\/\/[^"'/\s>]+)?\/api\/uploads\/([A-Za-z0-9_-]{10,64})\2/gi;
const CID_PREFIX = 'mailroom-upload-';

export function sanitizeComposeHtml(raw: string, origin: string = typeof location !== 'undefined' ? location.origin : 'http://localhost'): string {
  if (!raw.trim()) return '';
  const ids = new Set<string>();
  // Upload images are referenced as cid: of pseudo attachments, which the sanitiser maps back to
  // our own URLs (anything else relative is dropped by it).
  const marked = raw.replace(UPLOAD_SRC, (_m, head: string, q: string, id: string) => {
    ids.add(id);
    return `${head}${q}cid:${CID_PREFIX}${id}${q}`;
  });
  const attachments: Attachment[] = [...ids].map((id) => ({
    id,
    filename: '',
    contentType: 'image/png',
    size: 0,
    contentId: `${CID_PREFIX}${id}`,
    inline: true,
    url: `/api/uploads/${id}`,
  }));
  const { body } = sanitizeEmailHtml(marked, { allowRemote: false, attachments, origin });
  // Back to relative URLs, on the DOM.
  for (const img of Array.from(body.querySelectorAll('img'))) {
    const src = img.getAttribute('src') ?? '';
    if (src.startsWith(`${origin}/api/uploads/`)) img.setAttribute('src', src.slice(origin.length));
  }
  // Links in the editor need no target/rel (they are set again when the mail is displayed).
  return body.innerHTML;
}
