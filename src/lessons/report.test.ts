import { describe, expect, it } from 'vitest';
import { formatStep, formatSummary, reportFailed, type RunReport } from './report.ts';
import { judge } from './runLessons.ts';

const at = { file: 'docs/course/01-x.mdx', line: 12, column: 3 };

describe('judge', () => {
  it('accepts exit 0 by default and names any other status', () => {
    expect(judge({ kind: 'exited', exitCode: 0 }, { expect: { kind: 'code', code: 0 } }, 60_000)).toBeNull();
    expect(judge({ kind: 'exited', exitCode: 7 }, { expect: { kind: 'code', code: 0 } }, 60_000)).toBe('exited with status 7');
  });

  it('holds a command to its expectExit and expectFail marks', () => {
    expect(judge({ kind: 'exited', exitCode: 22 }, { expect: { kind: 'code', code: 22 } }, 1)).toBeNull();
    expect(judge({ kind: 'exited', exitCode: 0 }, { expect: { kind: 'code', code: 22 } }, 1)).toBe('exited with status 0, expected 22 (expectExit)');
    expect(judge({ kind: 'exited', exitCode: 1 }, { expect: { kind: 'nonzero' } }, 1)).toBeNull();
    expect(judge({ kind: 'exited', exitCode: 0 }, { expect: { kind: 'nonzero' } }, 1)).toMatch(/expected to fail/);
  });

  it('fails a timeout and a shell that ended, even when failure was expected', () => {
    expect(judge({ kind: 'timeout', interrupted: true }, { expect: { kind: 'nonzero' } }, 5_000)).toBe('did not finish within 5 s (interrupted with Ctrl-C)');
    expect(judge({ kind: 'shell-ended', exit: { exitCode: 4 }, reason: 'the shell exited with 4' }, { expect: { kind: 'code', code: 0 } }, 1)).toBe('the shell ended: the shell exited with 4');
  });
});

describe('report', () => {
  const report: RunReport = {
    setup: [{ status: 'pass', label: 'start lab connections', durationMs: 2100 }],
    lessons: [
      {
        file: at.file,
        title: 'X',
        durationMs: 65_000,
        steps: [
          { status: 'pass', label: '[tools] $ true', at, durationMs: 5 },
          { status: 'fail', label: '[tools] $ false', at: { ...at, line: 13 }, reasons: ['exited with status 1'], lastLines: ['$ false'], durationMs: 4 },
          { status: 'skip', label: '[tools] $ ls', at: { ...at, line: 14 }, reasons: ['an earlier command of this lesson failed'], durationMs: 0 },
        ],
      },
    ],
    totalMs: 70_000,
  };

  it('shows a failed step with its position, reason and the terminal lines', () => {
    expect(formatStep(report.lessons[0]!.steps[1]!, { color: false })).toBe(
      ['  ✗ [tools] $ false  docs/course/01-x.mdx:13:3  4 ms', '      exited with status 1', '      last lines of the terminal:', '      │ $ false'].join('\n'),
    );
  });

  it('repeats every failure in the summary with counts and the total time', () => {
    const text = formatSummary(report, { color: false });
    expect(text).toContain('docs/course/01-x.mdx:13:3: [tools] $ false — exited with status 1');
    expect(text).toContain('2 passed, 1 failed, 1 skipped in 1 lesson(s); total 1 min 10 s');
    expect(reportFailed(report)).toBe(true);
  });

  it('counts a run with no lessons as failed, so an empty course cannot pass', () => {
    expect(reportFailed({ setup: [], lessons: [], totalMs: 0 })).toBe(true);
  });
});
