// Display helpers for addresses, dates and sizes.
import type { Address } from '@mailroom/shared';

export function addressName(a: Address): string {
  return a.name.trim() || a.address;
}

/** "Alice <alice@example.org>" or just the address. */
export function formatAddress(a: Address): string {
  const name = a.name.trim();
  return name && name !== a.address ? `${name} <${a.address}>` : a.address;
}

export function formatAddressList(list: readonly Address[]): string {
  return list.map(formatAddress).join(', ');
}

function parseDate(iso: string): Date | null {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Compact date for the message list: time today, day and month this year, full date otherwise. */
export function formatListDate(iso: string, now: Date = new Date()): string {
  const d = parseDate(iso);
  if (!d) return '';
  if (d.toDateString() === now.toDateString()) {
    return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  }
  if (d.getFullYear() === now.getFullYear()) {
    return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
  }
  return d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

/** Full date and time, for the reading pane and accessible names. */
export function formatFullDate(iso: string): string {
  const d = parseDate(iso);
  if (!d) return iso;
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

const UNITS = ['bytes', 'KB', 'MB', 'GB'];

export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`;
}
