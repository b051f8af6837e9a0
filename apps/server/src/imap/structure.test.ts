import { describe, expect, it } from 'vitest';
import { analyseStructure, hasAttachments } from './structure.js';

describe('analyseStructure', () => {
  it('treats a single-part text message as body part 1', () => {
    const r = analyseStructure({ type: 'text/plain', parameters: { charset: 'utf-8' } });
    expect(r.text?.part).toBe('1');
    expect(r.html).toBeNull();
    expect(r.attachments).toEqual([]);
  });

  it('picks text and html from an alternative inside mixed, and lists the rest', () => {
    const r = analyseStructure({
      type: 'multipart/mixed',
      childNodes: [
        {
          part: '1',
          type: 'multipart/related',
          childNodes: [
            { part: '1.1', type: 'multipart/alternative', childNodes: [
              { part: '1.1.1', type: 'text/plain' },
              { part: '1.1.2', type: 'text/html' },
            ] },
            { part: '1.2', type: 'image/png', id: '<logo@x>', disposition: 'inline', size: 100 },
          ],
        },
        { part: '2', type: 'application/pdf', disposition: 'attachment', dispositionParameters: { filename: 'Rechnung.pdf' }, size: 2000 },
        { part: '3', type: 'message/rfc822', size: 500, childNodes: [{ part: '3.1', type: 'text/plain' }] },
      ],
    });
    expect(r.text?.part).toBe('1.1.1');
    expect(r.html?.part).toBe('1.1.2');
    expect(r.attachments.map((a) => [a.part, a.filename, a.inline, a.contentId])).toEqual([
      ['1.2', 'attachment-1.png', true, 'logo@x'],
      ['2', 'Rechnung.pdf', false, null],
      ['3', 'attachment-3.eml', false, null],
    ]);
  });

  it('does not count inline cid images as attachments', () => {
    expect(hasAttachments({ type: 'multipart/related', childNodes: [{ part: '1', type: 'text/html' }, { part: '2', type: 'image/png', id: '<a@b>' }] })).toBe(false);
    expect(hasAttachments({ type: 'multipart/mixed', childNodes: [{ part: '1', type: 'text/plain' }, { part: '2', type: 'text/calendar', disposition: 'attachment' }] })).toBe(true);
  });
});
