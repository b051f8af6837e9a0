import { describe, expect, it } from 'vitest';
import { openStore } from '../src/store/index.js';

const subjects = ['Plain ASCII Subject', 'Temperature 300 \u212A today', '\u0130stanbul trip', 'istanbul again', 'Grüße aus Köln', 'MIXED case WoRdS', 'quokkafjord'];
const msg = (subject: string) => Buffer.from(`From: Ann <ann@example.org>\r\nTo: bob@example.test\r\nSubject: ${subject}\r\nX-Note: ${subject.toUpperCase()}\r\n\r\nbody text\r\n`, 'utf8');

describe('SEARCH contains-matching in SQLite', () => {
  it('finds exactly what JavaScript case-insensitive matching finds, special lower-casings included', async () => {
    const store = openStore({ path: ':memory:' });
    const u = store.createUser('bob@example.test', 'pw');
    const box = (await store.getMailbox(u.id, 'INBOX'))!;
    for (const s of subjects) await store.deliver('bob@example.test', msg(s));
    const expected = (needle: string) => subjects.map((s, i) => (s.toLowerCase().includes(needle.toLowerCase()) ? i + 1 : 0)).filter(Boolean);
    for (const needle of ['k', 'K', 'kelvin', '300 k', 'i̇stanbul', 'istanbul', 'İSTANBUL', 'ascii', 'words', 'grüße', 'KÖLN', 'zz', 'fjord']) {
      expect(await store.search(box.id, { type: 'header', field: 'subject', value: needle }), `SUBJECT ${needle}`).toEqual(expected(needle));
    }
    // TEXT covers every header: the upper-cased X-Note copy matches too, still case-insensitively
    const upperExpected = (needle: string) => subjects.map((s, i) => (s.toLowerCase().includes(needle.toLowerCase()) || s.toUpperCase().toLowerCase().includes(needle.toLowerCase()) ? i + 1 : 0)).filter(Boolean);
    for (const needle of ['kelvin', 'istanbul', 'words', 'quokkafjord', 'ö']) {
      expect(await store.search(box.id, { type: 'text', value: needle }), `TEXT ${needle}`).toEqual(upperExpected(needle));
    }
    store.close();
  });
});
