// The webmail's first screen after sign-in, on the session's one IMAP connection: the BFF selects
// INBOX and sorts it right after LOGIN (prepareInbox), the browser then asks at once for INBOX's
// first window without previews, the folder list and the quota. The rows are what the user waits
// for, so the folder list (LIST + STATUS of every folder) and the quota (GETQUOTAROOT), slow on
// some servers, wait until the INBOX preparation is done and, when the browser's window request
// came in meanwhile, until that window is answered. A client that asks for no such window waits
// for the preparation only (which holds the connection anyway).
const MAX_WAIT_MS = 3_000;

interface Screen {
  ready: Promise<void>;
  window?: Promise<unknown>;
}

const screens = new Map<string, Screen>();

/** Called at sign-in with the INBOX preparation under way. */
export function startFirstScreen(sessionId: string, prepared: Promise<unknown>) {
  const screen: Screen = { ready: Promise.resolve() };
  screen.ready = prepared
    .catch(() => undefined)
    .then(() => screen.window?.catch(() => undefined))
    .then(() => {
      if (screens.get(sessionId) === screen) screens.delete(sessionId);
    });
  screens.set(sessionId, screen);
}

/** A window request without previews: the first one of a session counts as its first screen. */
export function firstScreenWindow(sessionId: string, work: Promise<unknown>) {
  const screen = screens.get(sessionId);
  if (screen && !screen.window) screen.window = work;
}

/** Waits (at most MAX_WAIT_MS) for the session's first screen, if it is still being prepared. */
export async function afterFirstScreen(sessionId: string): Promise<void> {
  const screen = screens.get(sessionId);
  if (!screen) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([screen.ready, new Promise<void>((resolve) => (timer = setTimeout(resolve, MAX_WAIT_MS)))]);
  clearTimeout(timer);
}
