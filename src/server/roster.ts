/**
 * The classroom roster, in the gateway's database: every learner with display name, client address,
 * first and last seen, current lesson, revocation, the lab instance they hold, and a summary of their
 * challenge progress; exported as CSV for the instructor.
 *
 * Learners are named by the gateway's id for them (the one progress is kept under); rows hold its
 * learnerKey(), which `list()` returns as `key` for the instructor's actions.
 *
 * "Last seen" changes on every request, so `touch` writes at most once per learner per
 * `touchIntervalMs` and keeps the latest time in memory meanwhile; `list`, `get` and `flush` write
 * the pending ones first, so what they return is current. A SIGKILL loses at most that interval of
 * last-seen times, never a sign-in, a name, a lesson or progress.
 *
 *   const roster = new Roster(defaultDatabase());
 *   roster.recordSession(learnerId, { name: 'Ada', address: '10.0.0.7' });
 *   roster.touch(learnerId); roster.setLesson(learnerId, 'course/lesson-3');
 *   roster.list(); roster.progressCsv();
 */
import { learnerKey, type Database } from './database.ts';
import { ThrottledTouches } from './ThrottledTouches.ts';

export const RosterLimits = {
  /** Last-seen writes per learner at most this often: the instructor's view counts minutes, not seconds. */
  touchIntervalMs: 15_000,
  /** Longest display name or lesson kept; longer ones are cut (the join page refuses them before). */
  maxDisplayNameChars: 64,
  maxLessonChars: 200,
} as const;

export interface ProgressSummary {
  /** Challenges with at least one attempt. */
  tried: number;
  /** Challenges passed at least once. */
  passed: number;
  attempts: number;
  reveals: number;
  /** Latest attempt, ms since the epoch. */
  lastAttemptAt: number | null;
}

export interface InstanceAssignment {
  instanceId: string;
  assignedAt: number;
  releasedAt: number | null;
  releaseReason: string | null;
}

export interface RosterEntry {
  /** learnerKey() of the learner's id: stable, safe to show and to put in a URL. */
  key: string;
  name: string | null;
  address: string | null;
  createdAt: number;
  lastSeenAt: number;
  lesson: string | null;
  revokedAt: number | null;
  /** The live assignment, or null when the learner holds no instance. */
  instance: InstanceAssignment | null;
  progress: ProgressSummary;
}

interface LearnerRow {
  id: string;
  display_name: string | null;
  client_address: string | null;
  created_at: number;
  last_seen_at: number;
  current_lesson: string | null;
  revoked_at: number | null;
  instance_id: string | null;
  assigned_at: number | null;
  tried: number;
  passed: number;
  attempts: number;
  reveals: number;
  last_attempt_at: number | null;
}

const ENTRY_SELECT = `
  SELECT l.id, l.display_name, l.client_address, l.created_at, l.last_seen_at, l.current_lesson, l.revoked_at,
         a.instance_id, a.assigned_at,
         count(CASE WHEN p.attempts > 0 THEN 1 END) AS tried,
         count(CASE WHEN p.passes > 0 THEN 1 END) AS passed,
         coalesce(sum(p.attempts), 0) AS attempts,
         coalesce(sum(p.reveals), 0) AS reveals,
         max(p.last_attempt_at) AS last_attempt_at
  FROM learners l
  LEFT JOIN instance_assignments a ON a.learner_id = l.id AND a.released_at IS NULL
  LEFT JOIN challenge_progress p ON p.learner_id = l.id`;

export interface RosterOptions {
  touchIntervalMs?: number;
}

export class Roster {
  /** Last-seen times by learner key, written at most once per interval. */
  private readonly touches: ThrottledTouches;
  private readonly s;

  constructor(
    readonly db: Database,
    options: RosterOptions = {},
  ) {
    const sql = db.sqlite;
    this.s = {
      record: sql.prepare<{ key: string; name: string | null; address: string | null; now: number }>(
        `INSERT INTO learners (id, display_name, client_address, created_at, last_seen_at) VALUES (@key, @name, @address, @now, @now)
         ON CONFLICT (id) DO UPDATE SET
           display_name = coalesce(@name, display_name),
           client_address = coalesce(@address, client_address),
           last_seen_at = max(last_seen_at, @now)`,
      ),
      touch: sql.prepare<[number, string]>('UPDATE learners SET last_seen_at = max(last_seen_at, ?) WHERE id = ?'),
      name: sql.prepare<[string | null, string]>('UPDATE learners SET display_name = ? WHERE id = ?'),
      lesson: sql.prepare<[string | null, number, string]>('UPDATE learners SET current_lesson = ?, last_seen_at = max(last_seen_at, ?) WHERE id = ?'),
      revoke: sql.prepare<[number, string]>('UPDATE learners SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?'),
      list: sql.prepare(`${ENTRY_SELECT} GROUP BY l.id ORDER BY l.created_at, l.id`),
      get: sql.prepare<[string]>(`${ENTRY_SELECT} WHERE l.id = ? GROUP BY l.id`),
      liveAssignment: sql.prepare<[string]>(
        'SELECT instance_id, assigned_at, released_at, release_reason FROM instance_assignments WHERE learner_id = ? AND released_at IS NULL',
      ),
      lastAssignment: sql.prepare<[string]>(
        'SELECT instance_id, assigned_at, released_at, release_reason FROM instance_assignments WHERE learner_id = ? ORDER BY assigned_at DESC, rowid DESC LIMIT 1',
      ),
      release: sql.prepare<[number, string | null, string]>('UPDATE instance_assignments SET released_at = ?, release_reason = ? WHERE learner_id = ? AND released_at IS NULL'),
      releaseInstance: sql.prepare<[number, string | null, string]>(
        'UPDATE instance_assignments SET released_at = ?, release_reason = ? WHERE instance_id = ? AND released_at IS NULL',
      ),
      assign: sql.prepare<[string, string, number]>('INSERT INTO instance_assignments (learner_id, instance_id, assigned_at) VALUES (?, ?, ?)'),
      csv: sql.prepare(
        `SELECT l.id, l.display_name, l.client_address, l.current_lesson, l.created_at, l.last_seen_at, l.revoked_at,
                p.challenge_id, p.attempts, p.passes, p.reveals, p.first_attempt_at, p.last_attempt_at, p.first_passed_at, p.first_revealed_at
         FROM learners l LEFT JOIN challenge_progress p ON p.learner_id = l.id
         ORDER BY l.created_at, l.id, p.challenge_id`,
      ),
    };
    this.touches = new ThrottledTouches(options.touchIntervalMs ?? RosterLimits.touchIntervalMs, (times) =>
      this.db.write(() => {
        for (const [key, t] of times) this.s.touch.run(t, key);
      }),
    );
  }

  /** A sign-in (or a session seen for the first time): adds the learner, or updates name and address. */
  recordSession(learnerId: string, details: { name?: string | null; address?: string | null; now?: number } = {}): RosterEntry {
    const key = learnerKey(learnerId);
    const now = details.now ?? Date.now();
    this.db.write(() => this.s.record.run({ key, name: cleanText(details.name, RosterLimits.maxDisplayNameChars), address: details.address ?? null, now }));
    this.touches.wrote(key, now);
    return this.entry(key)!;
  }

  /** The learner did something: last seen is now (written at most once per interval). */
  touch(learnerId: string, now = Date.now()): void {
    this.touches.touch(learnerKey(learnerId), now);
  }

  /** Sets (or with null clears) the display name; control characters are dropped and it is cut to length. */
  setDisplayName(learnerId: string, name: string | null): void {
    const key = learnerKey(learnerId);
    this.db.write(() => this.s.name.run(cleanText(name, RosterLimits.maxDisplayNameChars), key));
  }

  /** The lesson the learner has open (a doc path such as course/lesson-3), which also counts as seen. */
  setLesson(learnerId: string, lesson: string | null, now = Date.now()): void {
    const key = learnerKey(learnerId);
    this.db.write(() => this.s.lesson.run(cleanText(lesson, RosterLimits.maxLessonChars), now, key));
  }

  /** Marks the learner revoked (the first time counts); the gateway refuses their session from then on. */
  revoke(learnerId: string, now = Date.now()): void {
    this.revokeKey(learnerKey(learnerId), now);
  }

  /** Same as revoke, by the key the instructor's view has. */
  revokeKey(key: string, now = Date.now()): void {
    this.db.write(() => this.s.revoke.run(now, key));
  }

  isRevoked(learnerId: string): boolean {
    return this.entry(learnerKey(learnerId))?.revokedAt != null;
  }

  /**
   * The learner now holds `instanceId` (a learner holds one instance, an instance one learner): any
   * assignment either had is released first, with reason "replaced".
   */
  assignInstance(learnerId: string, instanceId: string, now = Date.now()): void {
    const key = learnerKey(learnerId);
    this.db.write(() => {
      this.s.release.run(now, 'replaced', key);
      this.s.releaseInstance.run(now, 'replaced', instanceId);
      this.s.record.run({ key, name: null, address: null, now });
      this.s.assign.run(key, instanceId, now);
    });
  }

  /** The learner's instance is gone (reclaimed when idle, ended by the instructor, reset…). */
  releaseInstance(learnerId: string, reason: string, now = Date.now()): void {
    const key = learnerKey(learnerId);
    this.db.write(() => this.s.release.run(now, reason, key));
  }

  /** Releases whichever learner holds `instanceId` (the pool reclaimed or lost it). */
  releaseInstanceById(instanceId: string, reason: string, now = Date.now()): void {
    this.db.write(() => this.s.releaseInstance.run(now, reason, instanceId));
  }

  /** The live assignment, or null. */
  instanceOf(learnerId: string): InstanceAssignment | null {
    return assignment(this.s.liveAssignment.get(learnerKey(learnerId)) as AssignmentRow | undefined);
  }

  /** The latest assignment, live or released: how a learner coming back learns their lab was reclaimed. */
  lastInstanceOf(learnerId: string): InstanceAssignment | null {
    return assignment(this.s.lastAssignment.get(learnerKey(learnerId)) as AssignmentRow | undefined);
  }

  get(learnerId: string): RosterEntry | null {
    this.flush();
    return this.entry(learnerKey(learnerId));
  }

  /** Every learner, oldest first, with their live instance and a progress summary. */
  list(): RosterEntry[] {
    this.flush();
    return (this.s.list.all() as LearnerRow[]).map(toEntry);
  }

  /** Writes the last-seen times held back by `touch`. */
  flush(): void {
    this.touches.flush();
  }

  /**
   * Progress as CSV (RFC 4180: CRLF, fields quoted when they hold a comma, quote or line break, quotes
   * doubled), one row per learner and challenge, and one row with empty challenge columns for a learner
   * who has tried none. Times are ISO 8601 UTC. Text a spreadsheet would run as a formula (starting
   * with = + - @, a tab or CR) gets a leading apostrophe: names are typed by learners.
   */
  progressCsv(): string {
    this.flush();
    const header = [
      'learner',
      'name',
      'address',
      'lesson',
      'first_seen',
      'last_seen',
      'revoked',
      'challenge',
      'attempts',
      'passed',
      'passes',
      'reveals',
      'first_attempt',
      'last_attempt',
      'first_passed',
      'first_revealed',
    ];
    const lines = [header.map(csvField).join(',')];
    for (const r of this.s.csv.all() as CsvRow[]) {
      const tried = r.challenge_id !== null;
      lines.push(
        [
          r.id,
          r.display_name,
          r.client_address,
          r.current_lesson,
          iso(r.created_at),
          iso(r.last_seen_at),
          iso(r.revoked_at),
          r.challenge_id,
          tried ? r.attempts : null,
          tried ? (r.passes! > 0 ? 'yes' : 'no') : null,
          tried ? r.passes : null,
          tried ? r.reveals : null,
          iso(r.first_attempt_at),
          iso(r.last_attempt_at),
          iso(r.first_passed_at),
          iso(r.first_revealed_at),
        ]
          .map(csvField)
          .join(','),
      );
    }
    return lines.join('\r\n') + '\r\n';
  }

  private entry(key: string): RosterEntry | null {
    const row = this.s.get.get(key) as LearnerRow | undefined;
    return row ? toEntry(row) : null;
  }
}

interface AssignmentRow {
  instance_id: string;
  assigned_at: number;
  released_at: number | null;
  release_reason: string | null;
}

interface CsvRow {
  id: string;
  display_name: string | null;
  client_address: string | null;
  current_lesson: string | null;
  created_at: number;
  last_seen_at: number;
  revoked_at: number | null;
  challenge_id: string | null;
  attempts: number | null;
  passes: number | null;
  reveals: number | null;
  first_attempt_at: number | null;
  last_attempt_at: number | null;
  first_passed_at: number | null;
  first_revealed_at: number | null;
}

function assignment(row: AssignmentRow | undefined): InstanceAssignment | null {
  return row ? { instanceId: row.instance_id, assignedAt: row.assigned_at, releasedAt: row.released_at, releaseReason: row.release_reason } : null;
}

function toEntry(r: LearnerRow): RosterEntry {
  return {
    key: r.id,
    name: r.display_name,
    address: r.client_address,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
    lesson: r.current_lesson,
    revokedAt: r.revoked_at,
    instance: r.instance_id !== null ? { instanceId: r.instance_id, assignedAt: r.assigned_at!, releasedAt: null, releaseReason: null } : null,
    progress: { tried: r.tried, passed: r.passed, attempts: r.attempts, reveals: r.reveals, lastAttemptAt: r.last_attempt_at },
  };
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

// C0 and C1 controls, and the bidi overrides and isolates that can make a name read as another.
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Trimmed, without control characters, at most `max` characters (code points); empty is null. */
export function cleanText(text: string | null | undefined, max: number): string | null {
  if (text === undefined || text === null) return null;
  const clean = [...text.replace(UNSAFE_CHARS, '').trim()].slice(0, max).join('').trim();
  return clean === '' ? null : clean;
}

/** One CSV field: quoted when needed (RFC 4180), formula-looking text defused for spreadsheets. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
