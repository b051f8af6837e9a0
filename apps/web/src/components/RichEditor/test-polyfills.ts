// For tests only: ProseMirror measures the DOM (to scroll the selection into view), jsdom has no
// layout. Import this from a test that renders the RichEditor.
if (!Range.prototype.getClientRects) {
  Range.prototype.getClientRects = () => [] as unknown as DOMRectList;
}
if (!Range.prototype.getBoundingClientRect) {
  Range.prototype.getBoundingClientRect = () => new DOMRect(0, 0, 0, 0);
}
if (!document.elementFromPoint) document.elementFromPoint = () => null;

export {};
