import { Node, mergeAttributes } from '@tiptap/react';

/** A block `<div data-mailroom-NAME="">…</div>` kept as such through getHTML/setContent. */
function markedBlock(name: string, attribute: string) {
  return Node.create({
    name,
    group: 'block',
    content: 'block*',
    defining: true,
    parseHTML() {
      return [{ tag: `div[${attribute}]`, priority: 100 }];
    },
    renderHTML({ HTMLAttributes }) {
      return ['div', mergeAttributes(HTMLAttributes, { [attribute]: '' }), 0];
    },
  });
}

/**
 * The signature block: `<div data-mailroom-signature="">…</div>`. A node of its own so that its
 * marker attribute and its content survive getHTML/setContent; compose finds and replaces it when
 * the identity changes.
 */
export const Signature = markedBlock('signature', 'data-mailroom-signature');

/** The forwarded message block the server's prefill writes (`<div data-mailroom-forward="">`). */
export const ForwardBlock = markedBlock('mailroomForward', 'data-mailroom-forward');

/** A quote block marked by the server (`<div data-mailroom-quote="">`). */
export const QuoteBlock = markedBlock('mailroomQuote', 'data-mailroom-quote');
