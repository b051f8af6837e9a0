import { describe, expect, it } from 'vitest';
import { mailAddress, recipientList, sendMessageRequest } from './compose.js';

describe('mailAddress', () => {
  it.each(['a@example.org', 'first.last+tag@sub.example.co.uk', 'müller@bücher.de', '用户@例子.广告', "o'brien@example.ie"])('accepts %s', (v) => {
    expect(mailAddress.safeParse(v).success).toBe(true);
  });
  it.each(['', 'plain', 'a@b', '@example.org', 'a@@example.org', 'a b@example.org', 'a@exa mple.org', 'a@example..org', '.a@example.org', 'a.@example.org', 'a@-x_y.org', '<a@example.org>', 'a@example.org, b@example.org'])(
    'refuses %j',
    (v) => {
      expect(mailAddress.safeParse(v).success).toBe(false);
    },
  );
});

describe('recipients and send requests', () => {
  it('takes bare strings and name/address objects alike', () => {
    expect(recipientList.parse(['a@example.org', { name: 'Bé', address: 'b@example.org' }])).toEqual([
      { name: '', address: 'a@example.org' },
      { name: 'Bé', address: 'b@example.org' },
    ]);
  });
  it('needs a recipient, and defaults to plain text', () => {
    expect(sendMessageRequest.safeParse({ subject: 'x' }).success).toBe(false);
    const ok = sendMessageRequest.parse({ to: ['a@example.org'], text: 'hi' });
    expect(ok.format).toBe('text');
    expect(ok.priority).toBe('normal');
    expect(ok.attachments).toEqual([]);
  });
});
