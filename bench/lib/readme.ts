// The results section of a suite in bench/README.md, between `<!-- <suite>-results:start -->` and
// `<!-- <suite>-results:end -->`, replaced by a run with --update-readme.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const README = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'README.md');

/** Replaces the suite's results section with `content`; false (and nothing written) when the markers are missing. */
export function writeReadmeResults(suite: string, content: string): boolean {
  const text = readFileSync(README, 'utf8');
  const start = `<!-- ${suite}-results:start -->`;
  const end = `<!-- ${suite}-results:end -->`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) return false;
  writeFileSync(README, `${text.slice(0, a)}${start}\n\n${content}\n\n${text.slice(b)}`);
  return true;
}
