import { afterEach, describe, expect, it } from 'vitest';
import { de } from './locales/de.js';
import { en } from './locales/en.js';
import { i18n, setLanguage } from './i18n.js';
import { formatNumber, formatSize } from './format.js';

// Every source file of the app as text (Vite's glob import), tests excluded.
const SOURCES = import.meta.glob(['../**/*.ts', '../**/*.tsx', '!../**/*.test.ts', '!../**/*.test.tsx'], {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

/** Every literal t('…') key and the shortcut/sort labels translated through t(label). */
function usedKeys(): Set<string> {
  const keys = new Set<string>();
  for (const text of Object.values(SOURCES)) {
    for (const m of text.matchAll(/\bt\('((?:[^'\\]|\\.)*)'/g)) keys.add(m[1]!.replace(/\\'/g, "'"));
    for (const m of text.matchAll(/\blabel: '([^']*)'/g)) keys.add(m[1]!);
  }
  return keys;
}

afterEach(() => setLanguage('en'));

describe('i18n', () => {
  it('has a German translation for every string the UI uses (plural forms included)', () => {
    const keys = usedKeys();
    expect(keys.size).toBeGreaterThan(100);
    const missing = [...keys].filter((k) => !(k in de) && !(`${k}_one` in de && `${k}_other` in de));
    expect(missing).toEqual([]);
    for (const plural of Object.keys(en)) expect(de[plural], plural).toBeTruthy();
  });

  it('switches language and localises numbers, sizes and plurals', () => {
    setLanguage('en');
    expect(i18n.t('{{count}} messages', { count: 1234, formattedCount: formatNumber(1234) })).toBe('1,234 messages');
    expect(formatSize(1536)).toBe('1.5 KB');
    setLanguage('de');
    expect(document.documentElement.lang).toBe('de');
    expect(i18n.t('Sign out')).toBe('Abmelden');
    expect(i18n.t('{{count}} messages', { count: 1, formattedCount: formatNumber(1) })).toBe('1 Nachricht');
    expect(i18n.t('{{count}} messages', { count: 100000, formattedCount: formatNumber(100000) })).toBe('100.000 Nachrichten');
    expect(formatSize(1536)).toBe('1,5 KB');
  });
});
