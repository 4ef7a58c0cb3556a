/**
 * A learner's own lab instance, as `GET /api/lab` (and `/api/health`'s `learnerLab` for a signed-in
 * learner) reports it, and the actions on it: `POST /api/lab` (acquire), `POST /api/lab/stay` (counts
 * as activity: clears an idle warning), `POST /api/lab/reset` (a fresh instance in place of this one).
 */

export const LEARNER_LAB_PATH = '/api/lab';
export const LEARNER_LAB_STAY_PATH = '/api/lab/stay';
export const LEARNER_LAB_RESET_PATH = '/api/lab/reset';

/** What ended the learner's previous instance: idle too long, past its lifetime, or ended (the instructor). */
export type LabEndReason = 'idle' | 'lifetime' | 'ended';

export interface LearnerLabStatus {
  /**
   * none: no instance (never asked, or reclaimed: see `reclaimed`); queued: every instance is taken, see
   * `queue`; starting: an instance is being started for the learner; ready: the learner's instance runs
   * (its health is /api/health's `lab`).
   */
  phase: 'none' | 'queued' | 'starting' | 'ready';
  /** The learner's instance id while they hold one. */
  instance: string | null;
  queue?: {
    /** 1 = next to be served. */
    place: number;
    waiting: number;
    /** Seconds until an instance is expected, or null while instances fail to start (`problem`). */
    estimateSeconds: number | null;
    problem: string | null;
  };
  /** The instance will be reclaimed at `reclaimAt` (epoch ms) unless the learner stays (idle) — lifetime cannot be postponed. */
  warning?: { reason: 'idle' | 'lifetime'; reclaimAt: number; secondsLeft: number };
  /** The current instance is new because the one before was reclaimed or reset: the page says so once. */
  fresh?: { reason: 'after-reclaim' | 'after-reset'; endedBy?: LabEndReason };
  /** Phase none after a reclaim: what ended the last instance, and when (epoch ms). */
  reclaimed?: { reason: LabEndReason; at: number };
  /** The pool's idle time and warning lead, in seconds, so the page can say "after 30 min without activity". */
  idleSeconds: number;
  warnSeconds: number;
}

/** Words for why an instance ended, for messages ("after 30 min without activity"). */
export function endedWords(reason: LabEndReason, idleSeconds: number): string {
  switch (reason) {
    case 'idle':
      return `after ${formatMinutes(idleSeconds)} without activity`;
    case 'lifetime':
      return 'at the end of its maximum lifetime';
    case 'ended':
      return 'by the instructor';
  }
}

/** "30 min", "90 s", "2 h". */
export function formatMinutes(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 2 * 3600) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}
