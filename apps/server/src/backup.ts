// `mailroom backup` and `mailroom restore` of standalone data: every SQLite database of the data
// directory (mail store, outbound queue, webmail data) copied with SQLite's online backup API, so a
// running server is backed up consistently; every other file (DKIM keys, certificates) copied as
// is; a manifest with SHA-256 sums lets restore check the copy before it touches anything.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export const MANIFEST = 'mailroom-backup.json';
const SQLITE_SIDE_FILES = /\.sqlite-(wal|shm|journal)$/;

interface ManifestEntry {
  path: string;
  bytes: number;
  sha256: string;
  kind: 'sqlite' | 'file';
}

interface Manifest {
  format: 1;
  createdAt: string;
  files: ManifestEntry[];
}

export class BackupError extends Error {}

function sha256(file: string) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function walk(dir: string, base = dir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return walk(full, base);
    return e.isFile() ? [path.relative(base, full)] : [];
  });
}

/** Copies the data directory into `out` (which must not exist or be empty). */
export async function backup(dataDir: string, out: string): Promise<Manifest> {
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) throw new BackupError(`data directory ${dataDir} does not exist`);
  if (existsSync(out) && readdirSync(out).length) throw new BackupError(`${out} is not empty; choose a new directory for the backup`);
  mkdirSync(out, { recursive: true });
  const files: ManifestEntry[] = [];
  for (const rel of walk(dataDir)) {
    if (SQLITE_SIDE_FILES.test(rel)) continue;
    const src = path.join(dataDir, rel);
    const dest = path.join(out, rel);
    mkdirSync(path.dirname(dest), { recursive: true });
    const kind = rel.endsWith('.sqlite') ? 'sqlite' : 'file';
    if (kind === 'sqlite') {
      const db = new Database(src, { readonly: true, fileMustExist: true });
      try {
        await db.backup(dest);
      } finally {
        db.close();
      }
    } else {
      copyFileSync(src, dest);
    }
    files.push({ path: rel, bytes: statSync(dest).size, sha256: sha256(dest), kind });
  }
  const manifest: Manifest = { format: 1, createdAt: new Date().toISOString(), files };
  writeFileSync(path.join(out, MANIFEST), JSON.stringify(manifest, null, 2));
  return manifest;
}

/** Checks a backup and copies it into `dataDir` (empty or missing, unless `force`). The server must be stopped. */
export function restore(from: string, dataDir: string, opts: { force?: boolean } = {}): Manifest {
  const manifestPath = path.join(from, MANIFEST);
  if (!existsSync(manifestPath)) throw new BackupError(`${from} is not a Mailroom backup (no ${MANIFEST})`);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  } catch {
    throw new BackupError(`${manifestPath} is damaged`);
  }
  if (manifest.format !== 1 || !Array.isArray(manifest.files)) throw new BackupError(`unknown backup format in ${manifestPath}`);
  for (const f of manifest.files) {
    if (path.isAbsolute(f.path) || f.path.split(/[\\/]/).includes('..')) throw new BackupError(`unsafe path in backup: ${f.path}`);
    const file = path.join(from, f.path);
    if (!existsSync(file) || sha256(file) !== f.sha256) throw new BackupError(`backup file ${f.path} is missing or damaged; nothing was restored`);
  }
  if (existsSync(dataDir) && readdirSync(dataDir).length) {
    if (!opts.force) throw new BackupError(`${dataDir} is not empty; stop the server and use --force to replace its data`);
    rmSync(dataDir, { recursive: true, force: true });
  }
  mkdirSync(dataDir, { recursive: true });
  for (const f of manifest.files) {
    const dest = path.join(dataDir, f.path);
    mkdirSync(path.dirname(dest), { recursive: true });
    copyFileSync(path.join(from, f.path), dest);
  }
  return manifest;
}
