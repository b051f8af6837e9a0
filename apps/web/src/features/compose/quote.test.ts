import { describe, expect, it } from 'vitest';
import { sanitizeComposeHtml } from './quote.js';

describe('sanitizeComposeHtml', () => {
  it('removes scripts and handlers, blocks remote images and keeps our own upload images', () => {
    const out = sanitizeComposeHtml(
      '<p onclick="alert(1)">Hi<script>alert(2)</script></p><img src="https://tracker.example/p.gif"><img src="/api/uploads/abcdefghij12" alt="inline"><a href="javascript:alert(3)">x</a>',
      'http://127.0.0.1:1',
    );
    expect(out).not.toMatch(/script|onclick|javascript:|tracker\.example"/);
    expect(out).toContain('<img src="/api/uploads/abcdefghij12" alt="inline">');
    expect(out).toContain('<p>Hi</p>');
  });
});
