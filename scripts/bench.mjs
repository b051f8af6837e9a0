// `npm run bench -- <suite> [options]`: reproducible benchmarks, side by side with peer servers.
// Each suite is a TypeScript entry in bench/ run with the tsx loader (benchmarks are dev tooling,
// not production code). Add a suite by adding a line to SUITES.
import path from 'node:path';
import { ROOT, ensureDependencies, run } from './lib.mjs';

const SUITES = {
  imap: { entry: 'bench/imap/run.ts', about: 'IMAP: embedded Mailroom server vs Dovecot (100,000 messages)' },
  web: { entry: 'bench/web/run.ts', about: 'Web: Mailroom webmail in Chromium on the embedded server and on Dovecot, vs Roundcube' },
  smtp: { entry: 'bench/smtp/run.ts', about: 'SMTP: embedded Mailroom MTA vs Postfix (messages/s into mailboxes, smtp-source)' },
};

function usage() {
  const list = Object.entries(SUITES)
    .map(([name, s]) => `  ${name.padEnd(8)} ${s.about}`)
    .join('\n');
  return `usage: npm run bench -- <suite> [options]   (options: npm run bench -- <suite> --help)\nsuites:\n${list}\n`;
}

const [suite, ...args] = process.argv.slice(2);
if (!suite || suite === '-h' || suite === '--help') {
  process.stdout.write(usage());
  process.exit(suite ? 0 : 2);
}
const s = SUITES[suite];
if (!s) {
  process.stderr.write(`unknown benchmark suite "${suite}"\n${usage()}`);
  process.exit(2);
}
ensureDependencies();
const code = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, s.entry), ...args]);
process.exit(code);
