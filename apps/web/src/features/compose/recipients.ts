// Recipient chips: parsing what people type or paste ("a@x.org, Bob <b@y.org>; c@z.org") into
// addresses, validated with the contract's mailAddress (internationalised addresses accepted).
import { mailAddress, type Recipient } from '@mailroom/shared';

export interface Chip {
  /** Stable key for React. */
  key: string;
  name: string;
  address: string;
  valid: boolean;
}

let counter = 0;
const nextKey = () => `chip-${++counter}`;

export function isValidAddress(address: string): boolean {
  return mailAddress.safeParse(address).success;
}

/** Splits a list at commas, semicolons and line breaks that are not inside quotes or angle brackets. */
export function splitAddressList(input: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  let angle = false;
  for (const ch of input) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === '<') angle = true;
    else if (!quoted && ch === '>') angle = false;
    if (!quoted && !angle && (ch === ',' || ch === ';' || ch === '\n' || ch === '\r')) {
      if (current.trim()) parts.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

/** One entry: "addr", "Name <addr>", "\"Last, First\" <addr>" or "<addr>". */
export function parseAddress(part: string): { name: string; address: string } {
  const trimmed = part.trim();
  const angle = /^(.*)<([^<>]*)>\s*$/s.exec(trimmed);
  if (angle) {
    const name = (angle[1] ?? '').trim().replace(/^"(.*)"$/s, '$1').replace(/\\(.)/g, '$1').trim();
    return { name, address: (angle[2] ?? '').trim() };
  }
  return { name: '', address: trimmed.replace(/^mailto:/i, '') };
}

export function chipFrom(recipient: { name: string; address: string }): Chip {
  return { key: nextKey(), name: recipient.name, address: recipient.address, valid: isValidAddress(recipient.address) };
}

/** Text (typed or pasted) → chips, invalid ones marked. */
export function parseChips(input: string): Chip[] {
  return splitAddressList(input).map((part) => chipFrom(parseAddress(part)));
}

export function chipsFromRecipients(list: readonly Recipient[]): Chip[] {
  return list.map(chipFrom);
}

export function recipientsFromChips(chips: readonly Chip[]): Recipient[] {
  return chips.filter((c) => c.valid).map((c) => ({ name: c.name, address: c.address }));
}

/** "Bob <bob@x.org>" or the bare address. */
export function chipLabel(chip: Pick<Chip, 'name' | 'address'>): string {
  return chip.name ? `${chip.name} <${chip.address}>` : chip.address;
}
