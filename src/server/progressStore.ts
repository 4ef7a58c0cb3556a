/**
 * Learners' challenge progress, in the gateway's database (database.ts): per learner and challenge the
 * attempts, passes and reveals with their first and last times. The routes see today's wire format
 * (ChallengeProgress); the roster reads the rest.
 *
 * Each update is one statement (an upsert adding to the counters) in an IMMEDIATE transaction, run
 * synchronously: updates in this process run one after another, and another process writing the same
 * file waits for the lock, so no update is lost. Committed (safe from a SIGKILL) when the promise resolves.
 *
 *   new ProgressStore(defaultDatabase())   // the gateway
 *   new ProgressStore(dir)                 // a database file in dir (tests, tools); imports dir's progress files
 */
import path from 'node:path';
import type { ChallengeProgress } from '../protocol/challenges.ts';
import { learnerKey, sharedDatabase, type Database } from './database.ts';

export type SessionProgress = Record<string, ChallengeProgress>;

/** The database file `new ProgressStore(dir)` keeps in dir. */
export const DIR_DATABASE_FILE = 'patchbay.db';

interface ProgressRow {
  challenge_id: string;
  attempts: number;
  passes: number;
  reveals: number;
  first_passed_at: number | null;
}

export class ProgressStore {
  readonly db: Database;
  private readonly statements;

  constructor(source: Database | string) {
    this.db = typeof source === 'string' ? sharedDatabase(path.join(source, DIR_DATABASE_FILE), { importProgressFrom: source }) : source;
    const sql = this.db.sqlite;
    this.statements = {
      select: sql.prepare<[string]>('SELECT challenge_id, attempts, passes, reveals, first_passed_at FROM challenge_progress WHERE learner_id = ? ORDER BY challenge_id'),
      selectOne: sql.prepare<[string, string]>('SELECT challenge_id, attempts, passes, reveals, first_passed_at FROM challenge_progress WHERE learner_id = ? AND challenge_id = ?'),
      // A learner the roster has not recorded yet (progress before sign-in, or no roster at all) gets a row.
      learner: sql.prepare<[string, number, number]>('INSERT INTO learners (id, created_at, last_seen_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING'),
      attempt: sql.prepare<{ learner: string; challenge: string; now: number; pass: number }>(
        `INSERT INTO challenge_progress (learner_id, challenge_id, attempts, passes, first_attempt_at, last_attempt_at, first_passed_at, last_passed_at)
         VALUES (@learner, @challenge, 1, @pass, @now, @now, CASE WHEN @pass THEN @now END, CASE WHEN @pass THEN @now END)
         ON CONFLICT (learner_id, challenge_id) DO UPDATE SET
           attempts = attempts + 1,
           passes = passes + @pass,
           first_attempt_at = coalesce(first_attempt_at, @now),
           last_attempt_at = @now,
           first_passed_at = CASE WHEN @pass THEN coalesce(first_passed_at, @now) ELSE first_passed_at END,
           last_passed_at = CASE WHEN @pass THEN @now ELSE last_passed_at END`,
      ),
      reveal: sql.prepare<{ learner: string; challenge: string; now: number }>(
        `INSERT INTO challenge_progress (learner_id, challenge_id, reveals, first_revealed_at) VALUES (@learner, @challenge, 1, @now)
         ON CONFLICT (learner_id, challenge_id) DO UPDATE SET reveals = reveals + 1, first_revealed_at = coalesce(first_revealed_at, @now)`,
      ),
    };
  }

  /** The learner's progress by challenge id; challenges never tried nor revealed are absent. */
  get(learnerId: string): Promise<SessionProgress> {
    return settle(() => {
      const out: SessionProgress = {};
      for (const row of this.statements.select.all(learnerKey(learnerId)) as ProgressRow[]) out[row.challenge_id] = wire(row);
      return out;
    });
  }

  /** Counts an attempt; the first pass records its time. Returns the challenge's progress after it. */
  recordAttempt(learnerId: string, challengeId: string, passed: boolean, now = new Date()): Promise<ChallengeProgress> {
    return this.change(learnerId, challengeId, now, (learner, t) => this.statements.attempt.run({ learner, challenge: challengeId, now: t, pass: passed ? 1 : 0 }));
  }

  markRevealed(learnerId: string, challengeId: string, now = new Date()): Promise<ChallengeProgress> {
    return this.change(learnerId, challengeId, now, (learner, t) => this.statements.reveal.run({ learner, challenge: challengeId, now: t }));
  }

  private change(learnerId: string, challengeId: string, now: Date, apply: (learner: string, t: number) => void): Promise<ChallengeProgress> {
    return settle(() =>
      this.db.write(() => {
        const learner = learnerKey(learnerId);
        const t = now.getTime();
        this.statements.learner.run(learner, t, t);
        apply(learner, t);
        return wire(this.statements.selectOne.get(learner, challengeId) as ProgressRow);
      }),
    );
  }
}

function wire(row: ProgressRow): ChallengeProgress {
  return {
    passed: row.passes > 0,
    ...(row.first_passed_at !== null ? { passedAt: new Date(row.first_passed_at).toISOString() } : {}),
    attempts: row.attempts,
    revealed: row.reveals > 0,
  };
}

/** The interface stays asynchronous (the routes await it); the work is synchronous and done by the time this returns. */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error as Error);
  }
}
