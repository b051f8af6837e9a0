import { describe, expect, it } from 'vitest';
import { htmlToText, isEmptyHtml, placeSignatureHtml, placeSignatureText, SIGNATURE_ATTR, textToHtml } from './convert.js';

describe('htmlToText', () => {
  it('keeps paragraphs, line breaks, lists, quotes and link URLs', () => {
    const html =
      '<p>Hello <strong>Bob</strong>,</p><p>line one<br>line two</p><ul><li>apples</li><li>pears</li></ul><ol><li>first</li><li>second</li></ol>' +
      '<p>See <a href="https://example.org/x">the page</a> or <a href="mailto:a@b.org">a@b.org</a>.</p><blockquote><p>quoted</p><blockquote><p>deeper</p></blockquote></blockquote>';
    expect(htmlToText(html)).toBe(
      ['Hello Bob,', '', 'line one', 'line two', '', '- apples', '- pears', '1. first', '2. second', 'See the page <https://example.org/x> or a@b.org.', '', '> quoted', '>', '>> deeper'].join('\n'),
    );
  });

  it('turns the signature block into "-- " and its text', () => {
    expect(htmlToText(`<p>Hi</p><div ${SIGNATURE_ATTR}=""><p>Alice</p></div>`)).toBe('Hi\n\n-- \nAlice');
  });
});

describe('textToHtml', () => {
  it('escapes, makes paragraphs and line breaks', () => {
    expect(textToHtml('a < b & c\nnext\n\nsecond')).toBe('<p>a &lt; b &amp; c<br>next</p><p>second</p>');
  });

  it('makes the signature block and blockquotes', () => {
    const html = textToHtml('Thanks\n\n-- \nAlice\n\nOn Monday, Bob wrote:\n> hello\n> there');
    expect(html).toBe(`<p>Thanks</p><div ${SIGNATURE_ATTR}=""><p>Alice</p></div><p>On Monday, Bob wrote:</p><blockquote><p>hello<br>there</p></blockquote>`);
  });

  it('round-trips the line structure', () => {
    const text = 'Hello,\n\nfirst line\nsecond line\n\n-- \nAlice';
    expect(htmlToText(textToHtml(text))).toBe(text);
  });
});

describe('placeSignatureHtml', () => {
  const sig = '<p>Alice Example</p>';
  it('goes at the end of a new message', () => {
    expect(placeSignatureHtml('<p></p>', sig, 'new')).toBe(`<p></p><div ${SIGNATURE_ATTR}=""><p>Alice Example</p></div>`);
  });

  it('goes above the quote (and its attribution line) on a reply', () => {
    const html = '<p></p><p>On Monday, Bob wrote:</p><blockquote><p>hi</p></blockquote>';
    expect(placeSignatureHtml(html, sig, 'reply')).toBe(`<p></p><div ${SIGNATURE_ATTR}=""><p>Alice Example</p></div><p>On Monday, Bob wrote:</p><blockquote><p>hi</p></blockquote>`);
  });

  it('goes above the forwarded block on a forward', () => {
    const html = '<p></p><div class="mailroom-forward"><p>---------- Forwarded message ----------</p><p>From: Bob</p></div>';
    const out = placeSignatureHtml(html, sig, 'reply');
    expect(out.indexOf(SIGNATURE_ATTR)).toBeLessThan(out.indexOf('Forwarded message'));
  });

  it('replaces an existing block in place, and removes it for an empty signature', () => {
    const html = `<p>x</p><div ${SIGNATURE_ATTR}=""><p>Old</p></div><blockquote><p>q</p></blockquote>`;
    expect(placeSignatureHtml(html, '<p>New</p>', 'reply')).toBe(`<p>x</p><div ${SIGNATURE_ATTR}=""><p>New</p></div><blockquote><p>q</p></blockquote>`);
    expect(placeSignatureHtml(html, '', 'reply')).toBe('<p>x</p><blockquote><p>q</p></blockquote>');
  });
});

describe('placeSignatureText', () => {
  it('puts "-- " and the signature at the end of a new message', () => {
    expect(placeSignatureText('', 'Alice', 'new')).toBe('\n\n-- \nAlice');
  });

  it('puts it above the attribution and quote on a reply', () => {
    expect(placeSignatureText('\n\nOn Monday, Bob wrote:\n> hi', 'Alice', 'reply')).toBe('\n\n-- \nAlice\n\nOn Monday, Bob wrote:\n> hi');
  });

  it('swaps the previous signature', () => {
    const text = 'Hi\n\n-- \nAlice\n\nOn Monday, Bob wrote:\n> hi';
    expect(placeSignatureText(text, 'Alice, Work', 'reply', 'Alice')).toBe('Hi\n\n-- \nAlice, Work\n\nOn Monday, Bob wrote:\n> hi');
  });
});

describe('isEmptyHtml', () => {
  it('ignores empty paragraphs and the signature', () => {
    expect(isEmptyHtml(`<p></p><div ${SIGNATURE_ATTR}=""><p>Alice</p></div>`)).toBe(true);
    expect(isEmptyHtml('<p>x</p>')).toBe(false);
  });
});
