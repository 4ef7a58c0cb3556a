/**
 * Imports the progress files of earlier versions (one `<learnerKey>.json` per learner,
 * `{version: 1, challenges: {id: {passed, passedAt?, attempts, revealed}}}`) into the database, once.
 *
 * All files go in one transaction, each recorded in imported_progress_files; after the commit each is
 * renamed to `.json.imported`, so the operator sees what was taken and a crash between the commit and
 * the renames imports nothing twice. A file that does not parse is left where it is and reported.
 * What the old format did not keep is left unknown (null): attempt and reveal times; a pass counts once.
 */
import { readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Database } from './database.ts';

export interface ImportReport {
  dir: string;
  /** Files imported now. */
  files: number;
  /** Challenge records imported now. */
  challenges: number;
  /** Files that could not be read as progress, left in place. */
  skipped: { file: string; reason: string }[];
}

const PROGRESS_FILE = /^([0-9a-f]{32})\.json$/;
export const IMPORTED_SUFFIX = '.imported';

interface LegacyChallenge {
  passed: boolean;
  passedAt?: string;
  attempts: number;
  revealed: boolean;
}

export function importProgressFiles(db: Database, dir: string): ImportReport {
  const report: ImportReport = { dir, files: 0, challenges: 0, skipped: [] };
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => PROGRESS_FILE.test(n)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return report;
    throw error;
  }
  if (names.length === 0) return report;
  const sql = db.sqlite;
  const already = sql.prepare('SELECT 1 FROM imported_progress_files WHERE file = ?').pluck();
  const addLearner = sql.prepare('INSERT INTO learners (id, created_at, last_seen_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING');
  const addProgress = sql.prepare(
    `INSERT INTO challenge_progress (learner_id, challenge_id, attempts, passes, reveals, first_passed_at, last_passed_at)
     VALUES (@learner, @challenge, @attempts, @passes, @reveals, @passedAt, @passedAt)
     ON CONFLICT (learner_id, challenge_id) DO NOTHING`,
  );
  const mark = sql.prepare('INSERT INTO imported_progress_files (file, learner_id, imported_at) VALUES (?, ?, ?)');
  const taken: string[] = [];
  db.write(() => {
    const now = Date.now();
    for (const name of names) {
      const file = path.join(dir, name);
      if (already.get(file)) {
        taken.push(name); // committed before, not yet renamed
        continue;
      }
      const parsed = readLegacy(file);
      if (typeof parsed === 'string') {
        report.skipped.push({ file: name, reason: parsed });
        continue;
      }
      const learner = PROGRESS_FILE.exec(name)![1]!;
      const mtime = Math.floor(statSync(file).mtimeMs);
      addLearner.run(learner, mtime, mtime);
      for (const [challenge, p] of parsed) {
        const passedAt = p.passedAt === undefined ? null : Date.parse(p.passedAt);
        addProgress.run({
          learner,
          challenge,
          attempts: p.attempts,
          passes: p.passed ? 1 : 0,
          reveals: p.revealed ? 1 : 0,
          passedAt: p.passed && passedAt !== null && Number.isFinite(passedAt) ? passedAt : null,
        });
        report.challenges++;
      }
      mark.run(file, learner, now);
      report.files++;
      taken.push(name);
    }
  });
  for (const name of taken) renameSync(path.join(dir, name), path.join(dir, name + IMPORTED_SUFFIX));
  return report;
}

/** The file's challenges, or why it is not a progress file. */
function readLegacy(file: string): [string, LegacyChallenge][] | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return `not JSON: ${(error as Error).message}`;
  }
  const challenges = (parsed as { challenges?: unknown } | null)?.challenges;
  if (typeof challenges !== 'object' || challenges === null || Array.isArray(challenges)) return 'no "challenges" object';
  const out: [string, LegacyChallenge][] = [];
  for (const [id, value] of Object.entries(challenges)) {
    const p = value as Partial<LegacyChallenge> | null;
    if (
      typeof p !== 'object' ||
      p === null ||
      typeof p.passed !== 'boolean' ||
      typeof p.revealed !== 'boolean' ||
      !Number.isInteger(p.attempts) ||
      (p.attempts as number) < 0 ||
      (p.passedAt !== undefined && typeof p.passedAt !== 'string')
    ) {
      return `challenge ${JSON.stringify(id)} is not {passed, attempts, revealed}`;
    }
    out.push([id, p as LegacyChallenge]);
  }
  return out;
}
