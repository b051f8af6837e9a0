/**
 * Lifecycle of a benchmark's server child process: prints its one JSON "ready" line, then stops
 * the server and exits when its stdin closes (the parent ended it or died) or on SIGTERM/SIGINT.
 */
export function serveUntilParentGoes(server: { close(): Promise<void> }, ready: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`close failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
