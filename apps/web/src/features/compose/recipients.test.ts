import { describe, expect, it } from 'vitest';
import { parseChips, recipientsFromChips, splitAddressList } from './recipients.js';

describe('recipients', () => {
  it('splits at commas, semicolons and newlines outside quotes and angle brackets', () => {
    expect(splitAddressList('a@x.org, Bob <b@y.org>; c@z.org\n"Doe, John" <j@d.org>')).toEqual(['a@x.org', 'Bob <b@y.org>', 'c@z.org', '"Doe, John" <j@d.org>']);
  });

  it('parses names and addresses and marks invalid ones', () => {
    const chips = parseChips('"Doe, John" <j@d.org>, bad, josé@exämple.de, <x@y.org>, mailto:m@n.org');
    expect(chips.map((c) => [c.name, c.address, c.valid])).toEqual([
      ['Doe, John', 'j@d.org', true],
      ['', 'bad', false],
      ['', 'josé@exämple.de', true],
      ['', 'x@y.org', true],
      ['', 'm@n.org', true],
    ]);
    expect(recipientsFromChips(chips)).toHaveLength(4);
  });
});
