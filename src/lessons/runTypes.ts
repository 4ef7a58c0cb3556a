/** What the lesson runner's parts share: its tunables, its events, and a lesson read and checked. */
import type { LessonPlan } from './lessonPlan.ts';
import type { LessonResult, StepResult } from './report.ts';

export const LessonRunDefaults = {
  /** A lesson command is a curl, a jq or a short load run; one that takes longer says so with `timeout={…}`. */
  COMMAND_TIMEOUT_SECONDS: 60,
  /** Before the first lesson every scrape target must be up with this many samples, so `rate()` has data. */
  MIN_SAMPLES_PER_TARGET: 3,
  /**
   * Before the first challenge the lab must have this much history: challenges evaluate a window that
   * ends a step and two scrapes in the past, and references use ranges up to a minute. With less, the
   * reference has no data yet and wrong answers are harder to tell from right ones.
   */
  CHALLENGE_HISTORY_SECONDS: 75,
  /** How long to wait for either; the history wait itself is CHALLENGE_HISTORY_SECONDS. */
  DATA_WAIT_MS: 150_000,
  DATA_POLL_MS: 1_000,
  /** Lines of the terminal shown under a failed command. */
  LAST_LINES: 15,
} as const;

export type RunEvent =
  | { kind: 'progress'; message: string }
  | { kind: 'setup'; step: StepResult }
  | { kind: 'lesson'; file: string; title: string }
  | { kind: 'step'; step: StepResult }
  | { kind: 'lesson-done'; lesson: LessonResult };

/** A lesson read from disk, with the reference errors that keep it from running. */
export interface Prepared {
  plan: LessonPlan;
  referenceErrors: StepResult[];
}

