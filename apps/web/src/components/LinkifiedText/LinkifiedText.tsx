// Plain text with URLs and e-mail addresses turned into safe links. React escapes all text; only
// http(s) and mailto links are ever created.
import type { ReactNode } from 'react';

const TOKEN = /\b(?:https?:\/\/|www\.)[^\s<>"'`]+|\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g;
const TRAILING = /[.,;:!?)\]}'"]+$/;

export function linkify(text: string): ReactNode[] {
  const out: ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(TOKEN)) {
    const start = match.index;
    let token = match[0];
    const trail = TRAILING.exec(token)?.[0] ?? '';
    // Keep a closing parenthesis that belongs to the URL, e.g. https://en.wikipedia.org/wiki/X_(Y)
    if (trail && token.includes('(') && trail.startsWith(')')) {
      token = token.slice(0, token.length - trail.length + 1);
    } else if (trail) {
      token = token.slice(0, token.length - trail.length);
    }
    if (!token) continue;
    const isEmail = !/^(?:https?:\/\/|www\.)/i.test(token);
    const href = isEmail ? `mailto:${token}` : /^www\./i.test(token) ? `https://${token}` : token;
    if (start > last) out.push(text.slice(last, start));
    out.push(
      <a key={`${start}-${token}`} href={href} target="_blank" rel="noopener noreferrer">
        {token}
      </a>,
    );
    last = start + token.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** Splits text into runs of quoted ("> ") and normal lines, so replies can show quotes muted. */
function quoteBlocks(text: string): { quoted: boolean; text: string }[] {
  const blocks: { quoted: boolean; text: string }[] = [];
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    const quoted = line.startsWith('>');
    const last = blocks[blocks.length - 1];
    if (last && last.quoted === quoted) last.text += `\n${line}`;
    else blocks.push({ quoted, text: line });
  }
  return blocks;
}

export function LinkifiedText({ text, className }: { text: string; className?: string }) {
  const blocks = quoteBlocks(text);
  return (
    <div className={className}>
      {blocks.map((b, i) => (
        <span key={i} className={b.quoted ? 'quoted' : undefined}>
          {linkify(b.text)}
          {i < blocks.length - 1 ? '\n' : ''}
        </span>
      ))}
    </div>
  );
}
