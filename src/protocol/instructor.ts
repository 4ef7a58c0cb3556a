/**
 * The instructor's API (/api/instructor/…), shared by the gateway's routes (src/server/routes/instructor.ts)
 * and the page (src/pages/instructor.tsx). Learners are named by their roster key (a hash of the
 * gateway's id for them), never by the id their session carries.
 */
import type { LabState } from './health.ts';
import { OBSERVE_PATH } from './terminal.ts';

export const INSTRUCTOR_API = '/api/instructor';
export const INSTRUCTOR_PATHS = {
  signIn: `${INSTRUCTOR_API}/sign-in`,
  signOut: `${INSTRUCTOR_API}/sign-out`,
  roster: `${INSTRUCTOR_API}/roster`,
  progressCsv: `${INSTRUCTOR_API}/progress.csv`,
  /** POST; `:key` is InstructorLearner.key. */
  reset: `${INSTRUCTOR_API}/learners/:key/reset`,
  end: `${INSTRUCTOR_API}/learners/:key/end`,
} as const;

/** The page polls the roster this often (why polling, not server-sent events: README, the instructor's view). */
export const ROSTER_POLL_MS = 2_000;

export function learnerActionPath(action: 'reset' | 'end', key: string): string {
  return INSTRUCTOR_PATHS[action].replace(':key', encodeURIComponent(key));
}

export interface InstructorSignIn {
  token: string;
}

export interface LearnerInstance {
  /** The instance's id, or null while the learner waits in the queue. */
  id: string | null;
  /** active, warned (an idle or lifetime reclaim is coming), waiting (queued), or released (the roster says it is gone). */
  state: 'active' | 'warned' | 'waiting' | 'released';
  health: LabState | null;
  /** Waiting: place in the queue. */
  place?: number;
  /** Epoch ms. */
  assignedAt?: number;
  reclaimAt?: number;
  /** Active or warned: paused (frozen) since nobody used it for a while; the learner's next use thaws it. */
  paused?: boolean;
}

export interface LearnerTerminal {
  id: string;
  host: string;
  watchers: number;
}

export interface InstructorLearner {
  key: string;
  name: string | null;
  address: string | null;
  lesson: string | null;
  /** Epoch ms; null when only the pool or a terminal knows the learner (not on the roster). */
  firstSeenAt: number | null;
  lastSeenAt: number | null;
  /** The pool's last activity (terminal input, checks), when newer than the roster's last seen. */
  lastActivityAt: number | null;
  revoked: boolean;
  instance: LearnerInstance | null;
  progress: { tried: number; passed: number; attempts: number; reveals: number; lastAttemptAt: number | null };
  terminals: LearnerTerminal[];
}

export interface InstructorRoster {
  /** Server time (epoch ms), so "3 min ago" does not depend on the instructor's clock. */
  now: number;
  /** Whether this gateway runs a lab per learner (else end and reset have nothing to act on). */
  pool: { maxInstances: number; assigned: number; warm: number; starting: number; waiting: number } | null;
  learners: InstructorLearner[];
}

export interface LearnerActionResult {
  key: string;
  action: 'reset' | 'end';
  /** False when the learner held no lab (nothing to end). */
  done: boolean;
  message: string;
}

/** The read-only view's socket path for one learner's terminal. */
export function observePath(key: string, terminalId: string): string {
  return `${OBSERVE_PATH}${encodeURIComponent(key)}/${encodeURIComponent(terminalId)}`;
}
