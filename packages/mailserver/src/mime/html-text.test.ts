import { describe, expect, it } from 'vitest';
import { htmlToText } from './parse.js';

describe('htmlToText', () => {
  it('keeps the text, drops tags, scripts and styles, decodes entities', () => {
    const text = htmlToText('<html><style>p{color:red}</style><p>Hello&nbsp;<b>wörld</b> &amp; more</p><SCRIPT>alert(1)</SCRIPT>tail &#8364;');
    expect(text.replace(/\s+/g, ' ').trim()).toBe('Hello wörld & more tail €');
  });
  it('treats an unclosed "<" as text, and an unclosed script as the end', () => {
    expect(htmlToText('a < b and c').trim()).toBe('a < b and c');
    expect(htmlToText('before<script>never closed').trim()).toBe('before');
  });
  it('is linear on hostile input (100,000 "<" and "<script>" without ends)', () => {
    // No timing assertion: a quadratic version takes minutes here and hits the test timeout.
    expect(htmlToText('<'.repeat(100_000)).length).toBe(100_000);
    expect(htmlToText('<script>'.repeat(50_000)).trim()).toBe('');
    expect(htmlToText('<a '.repeat(100_000) + '>x').trim()).toBe('x');
  });
});
