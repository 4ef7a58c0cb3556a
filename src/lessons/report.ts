/**
 * The lesson-validation report: plain data while running, text a person can read at the end (and
 * line by line as it goes, since a full run takes minutes). Pure formatting; no I/O.
 */
import { formatPosition, type SourcePosition } from './lessonPlan.ts';

export type StepStatus = 'pass' | 'fail' | 'skip';

export interface StepResult {
  status: StepStatus;
  /** What was done, e.g. `$ curl -s localhost:19000/ready` or `challenge api-active-connections`. */
  label: string;
  at?: SourcePosition;
  /** Why it failed (or was skipped), one line each. */
  reasons?: string[];
  /** The terminal's last lines, for a failed command. */
  lastLines?: string[];
  /** Sub-checks of a challenge: reference passes, mutants fail, …; each at its line of challenges.yaml. */
  checks?: { ok: boolean; label: string; detail?: string; at?: SourcePosition }[];
  durationMs: number;
}

export interface LessonResult {
  file: string;
  title: string;
  steps: StepResult[];
  durationMs: number;
  /** Why the lesson was not run (its own reference errors, another's, a lab that did not start); absent when it ran. */
  notRun?: string;
}

export interface RunReport {
  /** Lab start, stop and other work outside any lesson. */
  setup: StepResult[];
  lessons: LessonResult[];
  totalMs: number;
}

export function lessonFailed(l: LessonResult): boolean {
  return l.steps.some((s) => s.status === 'fail');
}

/** A lesson's verdict: failed when a step failed (its reference errors too), else not run, else passed. */
export type LessonVerdict = 'pass' | 'fail' | 'not-run';

export function lessonVerdict(l: LessonResult): LessonVerdict {
  return lessonFailed(l) ? 'fail' : l.notRun !== undefined ? 'not-run' : 'pass';
}

/** A run passes only when every lesson ran and passed: a lesson not run is never counted as passed. */
export function reportFailed(r: RunReport): boolean {
  return r.setup.some((s) => s.status === 'fail') || r.lessons.some((l) => lessonVerdict(l) !== 'pass') || r.lessons.length === 0;
}

export interface FormatOptions {
  color: boolean;
}

const MARK: Record<StepStatus, string> = { pass: '✓', fail: '✗', skip: '-' };
const COLOR: Record<StepStatus, string> = { pass: '\x1b[32m', fail: '\x1b[31m', skip: '\x1b[33m' };
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function formatLessonHeader(file: string, title: string): string {
  return `\n${title || file}  (${file})`;
}

/** The line under a lesson's header when it was not run. */
export function formatNotRun(lesson: LessonResult, o: FormatOptions): string {
  const text = `  ${MARK.skip} not run: ${lesson.notRun ?? ''}`;
  return o.color ? `${COLOR.skip}${text}${RESET}` : text;
}

/** One step as a block of lines: the mark line, then reasons, checks and last lines indented. */
export function formatStep(step: StepResult, o: FormatOptions): string {
  const paint = (s: string, c: string) => (o.color ? `${c}${s}${RESET}` : s);
  const where = step.at ? `  ${paint(formatPosition(step.at), o.color ? DIM : '')}` : '';
  const lines = [`  ${paint(MARK[step.status], COLOR[step.status])} ${step.label}${where}  ${paint(formatDuration(step.durationMs), o.color ? DIM : '')}`];
  for (const r of step.reasons ?? []) lines.push(`      ${r}`);
  const failedChecks = (step.checks ?? []).filter((c) => !c.ok);
  // A passing challenge shows only how much was checked; a failing one lists what went wrong.
  if (step.status === 'pass' && step.checks?.length) lines.push(`      ${step.checks.length} checks: ${summariseChecks(step.checks)}`);
  for (const c of failedChecks) lines.push(`      ${paint('✗', COLOR.fail)} ${c.at ? `${formatPosition(c.at)}: ` : ''}${c.label}${c.detail ? `: ${c.detail}` : ''}`);
  if (step.lastLines?.length) {
    lines.push('      last lines of the terminal:');
    for (const l of step.lastLines) lines.push(`      │ ${l}`);
  }
  return lines.join('\n');
}

function summariseChecks(checks: { label: string }[]): string {
  const counts = new Map<string, number>();
  for (const c of checks) {
    const kind = c.label.split(':')[0]!;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k)).join(', ');
}

const VERDICT_MARK: Record<LessonVerdict, StepStatus> = { pass: 'pass', fail: 'fail', 'not-run': 'skip' };

/**
 * The closing summary: per-lesson verdicts, every failure again with its position (a challenge's at its
 * line of challenges.yaml), then lessons passed, failed and not run, the lessons' steps, and the total time.
 */
export function formatSummary(r: RunReport, o: FormatOptions): string {
  const steps = r.lessons.flatMap((l) => l.steps);
  const count = (s: StepStatus) => steps.filter((x) => x.status === s).length;
  const verdicts = r.lessons.map(lessonVerdict);
  const lessons = (v: LessonVerdict) => verdicts.filter((x) => x === v).length;
  const lines = ['', 'Summary'];
  for (const [i, l] of r.lessons.entries()) {
    const verdict = verdicts[i]!;
    const how = l.notRun !== undefined ? `not run: ${l.notRun}` : formatDuration(l.durationMs);
    const text = `  ${MARK[VERDICT_MARK[verdict]]} ${l.title || l.file}  ${how}`;
    lines.push(o.color ? `${COLOR[VERDICT_MARK[verdict]]}${text}${RESET}` : text);
  }
  const failures = [...r.setup, ...steps].filter((s) => s.status === 'fail');
  if (failures.length) {
    lines.push('', 'Failures:');
    for (const f of failures) lines.push(`  ${formatFailure(f)}`);
  }
  if (r.lessons.length === 0) lines.push('  no lessons ran');
  const total = r.lessons.length === 1 ? '1 lesson' : `${r.lessons.length} lessons`;
  lines.push(
    '',
    `${total}: ${lessons('pass')} passed, ${lessons('fail')} failed, ${lessons('not-run')} not run; ` +
      `steps: ${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped; total ${formatDuration(r.totalMs)}`,
  );
  return lines.join('\n');
}

/** One failure on one line, where to fix it first: a challenge's failed check at its challenges.yaml line. */
function formatFailure(f: StepResult): string {
  const check = f.checks?.find((c) => !c.ok);
  const at = check?.at ?? f.at;
  const first = f.reasons?.[0] ?? (check ? `${check.label}${check.detail ? `: ${check.detail}` : ''}` : '');
  const from = check?.at && f.at ? ` (${formatPosition(f.at)})` : '';
  return `${at ? `${formatPosition(at)}: ` : ''}${f.label}${first ? ` — ${first}` : ''}${from}`;
}
