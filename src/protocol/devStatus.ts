/**
 * What `patchbay dev` did with the lab's definition files (lab.yaml, challenges.yaml and the files lab.yaml
 * names), in `GET /api/health` as `dev`: the page's lab status says so. Absent outside `patchbay dev`.
 */
export interface DevStatus {
  /**
   * Errors of the files as last saved. While there are any, the lab and the challenges keep running from
   * the last version without errors.
   */
  errors: DevError[];
  /** True while the lab restarts after a change of its definition. */
  restarting: boolean;
  /** The last change dev applied, how long ago, and as a line of its terminal output. */
  lastChange: { kind: DevChangeKind; message: string; secondsAgo: number } | null;
}

/** What dev did on a save: challenges reloaded (or removed with the file), the lab restarted, or nothing needed. */
export type DevChangeKind = 'challenges-reloaded' | 'challenges-removed' | 'lab-restarting' | 'lab-restarted' | 'lab-unchanged';

/** How long the page mentions a change it was told of. */
export const DEV_NOTICE_SECONDS = 20;

export interface DevError {
  /** The file, relative to the project (e.g. `labs/connections/challenges.yaml`). */
  file: string;
  /** `file:line:column: path: message`, as the terminal shows it. */
  text: string;
}
