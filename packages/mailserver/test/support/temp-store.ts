import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { openStore, type MailStore } from '../../src/store/index.js';

export interface TempStore {
  dir: string;
  /** The store's file (dir/mail.sqlite). */
  file: string;
  /** Open during the file's tests; a test may replace it (reopen), the last one is closed. */
  store: MailStore;
}

/**
 * A store in a new temp dir for the calling test file, with the domain example.test and the users
 * u@example.test and small@example.test (password "pw"): opened before the file's tests, closed
 * and removed after them. The fields are set once beforeAll has run.
 */
export function useTempStoreWithTwoUsers(prefix: string): TempStore {
  const t = {} as TempStore;
  beforeAll(() => {
    t.dir = mkdtempSync(path.join(tmpdir(), prefix));
    t.file = path.join(t.dir, 'mail.sqlite');
    t.store = openStore({ path: t.file });
    t.store.addDomain('example.test');
    t.store.createUser('u@example.test', 'pw');
    t.store.createUser('small@example.test', 'pw');
  });
  afterAll(() => {
    t.store?.close();
    if (t.dir) rmSync(t.dir, { recursive: true, force: true });
  });
  return t;
}
