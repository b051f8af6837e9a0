// Display helpers for addresses, dates and sizes (localised with Intl in the active UI language).
import type { Address } from '@mailroom/shared';
import { currentLocale, t } from './i18n.js';

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

// Intl formatters are costly to build (a list of 100 rows built one per date and size took tens
// of ms of the first render): one per locale and options, reused.
const dateFormats = new Map<string, Intl.DateTimeFormat>();
const numberFormats = new Map<string, Intl.NumberFormat>();

function dateFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let f = dateFormats.get(key);
  if (!f) dateFormats.set(key, (f = new Intl.DateTimeFormat(locale, options)));
  return f;
}

function numberFormat(locale: string, options: Intl.NumberFormatOptions | undefined): Intl.NumberFormat {
  const key = `${locale}|${options ? JSON.stringify(options) : ''}`;
  let f = numberFormats.get(key);
  if (!f) numberFormats.set(key, (f = new Intl.NumberFormat(locale, options)));
  return f;
}

function parseDate(iso: string): Date | null {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Compact date for the message list: time today, day and month this year, full date otherwise. */
export function formatListDate(iso: string, now: Date = new Date()): string {
  const d = parseDate(iso);
  if (!d) return '';
  const locale = currentLocale();
  if (d.toDateString() === now.toDateString()) {
    return dateFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(d);
  }
  if (d.getFullYear() === now.getFullYear()) {
    return dateFormat(locale, { month: 'short', day: 'numeric' }).format(d);
  }
  return dateFormat(locale, { year: 'numeric', month: 'short', day: 'numeric' }).format(d);
}

/** Full date and time, for the reading pane and accessible names. */
export function formatFullDate(iso: string | Date): string {
  const d = typeof iso === 'string' ? parseDate(iso) : iso;
  if (!d) return String(iso);
  return dateFormat(currentLocale(), { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

export function formatNumber(value: number, options?: Intl.NumberFormatOptions): string {
  return numberFormat(currentLocale(), options).format(value);
}

const UNITS = ['KB', 'MB', 'GB', 'TB'];

export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1024) return t('{{count}} bytes', { count: bytes, formattedCount: formatNumber(bytes) });
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = value < 10 ? 1 : 0;
  return `${formatNumber(value, { minimumFractionDigits: digits, maximumFractionDigits: digits })} ${UNITS[unit]}`;
}
