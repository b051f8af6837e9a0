import { Node, mergeAttributes } from '@tiptap/react';

/**
 * The signature block: `<div data-mailroom-signature="">…</div>`. A node of its own so that its
 * marker attribute and its content survive getHTML/setContent; compose finds and replaces it when
 * the identity changes.
 */
export const Signature = Node.create({
  name: 'signature',
  group: 'block',
  content: 'block*',
  defining: true,
  isolating: true,
  parseHTML() {
    return [{ tag: 'div[data-mailroom-signature]', priority: 100 }];
  },
  renderHTML({ HTMLAttributes }) {
    return ['div', mergeAttributes(HTMLAttributes, { 'data-mailroom-signature': ''}), 0];
  },
});
