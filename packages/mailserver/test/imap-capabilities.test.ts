import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASS, RawClient, startTestServer, USER, type TestServer } from './imap-helpers.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ hideCapabilities: ['SORT', 'THREAD=REFERENCES', 'CONDSTORE', 'QRESYNC', 'ESEARCH', 'QUOTA', 'MOVE'] });
});
afterAll(async () => {
  await srv?.close();
});

describe('hideCapabilities (for testing client fallbacks)', () => {
  it('neither advertises nor serves hidden extensions', async () => {
    const c = new RawClient();
    const greeting = await c.connect(srv.port);
    for (const cap of ['SORT', 'THREAD=REFERENCES', 'CONDSTORE', 'QRESYNC', 'ESEARCH', 'QUOTA', 'MOVE']) expect(greeting).not.toMatch(new RegExp(` ${cap}[ \\]]`));
    expect(greeting).toContain(' IDLE ');
    expect(greeting).not.toContain('SORT=DISPLAY'); // goes with SORT
    await c.command('l', `LOGIN ${USER} "${PASS}"`);
    const sel = await c.command('s', 'SELECT INBOX');
    expect(sel).not.toContain('HIGHESTMODSEQ');
    expect(await c.command('e', 'ENABLE CONDSTORE QRESYNC')).toContain('* ENABLED\r\n');
    expect(await c.command('so', 'UID SORT (DATE) UTF-8 ALL')).toMatch(/^so BAD/m);
    expect(await c.command('th', 'UID THREAD REFERENCES UTF-8 ALL')).toMatch(/^th BAD/m);
    expect(await c.command('mv', 'UID MOVE 1 Trash')).toMatch(/^mv BAD/m);
    expect(await c.command('q', 'GETQUOTAROOT INBOX')).toMatch(/^q BAD/m);
    expect(await c.command('es', 'SEARCH RETURN (COUNT) ALL')).toMatch(/^es BAD/m);
    expect(await c.command('f', 'FETCH 1:* (FLAGS) (CHANGEDSINCE 1)')).toMatch(/^f BAD/m);
    c.close();
  });
});
