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
  /** Sub-checks of a challenge: reference passes, mutants fail, …. */
  checks?: { ok: boolean; label: string; detail?: string }[];
  durationMs: number;
}

export interface LessonResult {
  file: string;
  title: string;
  steps: StepResult[];
  durationMs: number;
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

export function reportFailed(r: RunReport): boolean {
  return r.setup.some((s) => s.status === 'fail') || r.lessons.some(lessonFailed) || r.lessons.length === 0;
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

/** One step as a block of lines: the mark line, then reasons, checks and last lines indented. */
export function formatStep(step: StepResult, o: FormatOptions): string {
  const paint = (s: string, c: string) => (o.color ? `${c}${s}${RESET}` : s);
  const where = step.at ? `  ${paint(formatPosition(step.at), o.color ? DIM : '')}` : '';
  const lines = [`  ${paint(MARK[step.status], COLOR[step.status])} ${step.label}${where}  ${paint(formatDuration(step.durationMs), o.color ? DIM : '')}`];
  for (const r of step.reasons ?? []) lines.push(`      ${r}`);
  const failedChecks = (step.checks ?? []).filter((c) => !c.ok);
  // A passing challenge shows only how much was checked; a failing one lists what went wrong.
  if (step.status === 'pass' && step.checks?.length) lines.push(`      ${step.checks.length} checks: ${summariseChecks(step.checks)}`);
  for (const c of failedChecks) lines.push(`      ${paint('✗', COLOR.fail)} ${c.label}${c.detail ? `: ${c.detail}` : ''}`);
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

/** The closing summary: per-lesson verdicts, counts, total time, and every failure again with its position. */
export function formatSummary(r: RunReport, o: FormatOptions): string {
  const all = [...r.setup, ...r.lessons.flatMap((l) => l.steps)];
  const count = (s: StepStatus) => all.filter((x) => x.status === s).length;
  const lines = ['', 'Summary'];
  for (const l of r.lessons) {
    const failed = lessonFailed(l);
    const mark = failed ? MARK.fail : MARK.pass;
    const text = `  ${mark} ${l.title || l.file}  ${formatDuration(l.durationMs)}`;
    lines.push(o.color ? `${failed ? COLOR.fail : COLOR.pass}${text}${RESET}` : text);
  }
  const failures = all.filter((s) => s.status === 'fail');
  if (failures.length) {
    lines.push('', 'Failures:');
    for (const f of failures) {
      const first = f.reasons?.[0] ?? f.checks?.find((c) => !c.ok)?.label ?? '';
      lines.push(`  ${f.at ? `${formatPosition(f.at)}: ` : ''}${f.label}${first ? ` — ${first}` : ''}`);
    }
  }
  if (r.lessons.length === 0) lines.push('  no lessons ran');
  lines.push(
    '',
    `${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped in ${r.lessons.length} lesson(s); total ${formatDuration(r.totalMs)}`,
  );
  return lines.join('\n');
}
