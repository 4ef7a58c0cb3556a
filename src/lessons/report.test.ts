import { describe, expect, it } from 'vitest';
import { formatNotRun, formatStep, formatSummary, reportFailed, type RunReport } from './report.ts';
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

  it('fails a pipeline whose earlier stage failed, naming the stage, unless the command allows it', () => {
    const curlFailed = { kind: 'exited', exitCode: 0, pipeStatus: [7, 0] } as const;
    expect(judge(curlFailed, { expect: { kind: 'code', code: 0 } }, 1)).toBe(
      'pipeline stage 1 of 2 exited with status 7 (a failing stage fails the pipeline; mark the command allowPipeFailure if that stage may fail)',
    );
    expect(judge(curlFailed, { expect: { kind: 'code', code: 0 }, allowPipeFailure: true }, 1)).toBeNull();
    expect(judge({ kind: 'exited', exitCode: 0, pipeStatus: [0, 0] }, { expect: { kind: 'code', code: 0 } }, 1)).toBeNull();
    // The pipeline's status is what expectFail judges: an earlier stage's failure counts.
    expect(judge(curlFailed, { expect: { kind: 'nonzero' } }, 1)).toBeNull();
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
    expect(text).toContain('1 lesson: 0 passed, 1 failed, 0 not run; steps: 1 passed, 1 failed, 1 skipped; total 1 min 10 s');
    expect(reportFailed(report)).toBe(true);
  });

  it('reports a lesson that did not run as not run, never as passed, and counts it so', () => {
    const notRun: RunReport = {
      setup: [],
      lessons: [
        { file: 'a.mdx', title: 'A', steps: [{ status: 'fail', label: 'reference: unknown-host', at: { ...at, file: 'a.mdx' }, reasons: ['a.mdx:12:3: terminal "t" targets host "x"'], durationMs: 0 }], durationMs: 0, notRun: 'its references do not resolve' },
        { file: 'b.mdx', title: 'B', steps: [], durationMs: 0, notRun: 'a.mdx has reference errors, so no lab was started' },
      ],
      totalMs: 40,
    };
    const text = formatSummary(notRun, { color: false });
    expect(text).toContain('  ✗ A  not run: its references do not resolve');
    expect(text).toContain('  - B  not run: a.mdx has reference errors, so no lab was started');
    expect(text).toContain('2 lessons: 0 passed, 1 failed, 1 not run; steps: 0 passed, 1 failed, 0 skipped; total 40 ms');
    expect(formatNotRun(notRun.lessons[1]!, { color: false })).toBe('  - not run: a.mdx has reference errors, so no lab was started');
    expect(reportFailed(notRun)).toBe(true);
    expect(reportFailed({ setup: [], lessons: [notRun.lessons[1]!], totalMs: 0 })).toBe(true);
  });

  it('points a failed challenge check at its line of challenges.yaml, in the step and in the summary', () => {
    const yaml = { file: 'labs/connections/challenges.yaml', line: 29, column: 16 };
    const challenge: RunReport = {
      setup: [],
      lessons: [
        {
          file: at.file,
          title: 'X',
          durationMs: 1000,
          steps: [
            {
              status: 'fail',
              label: 'challenge api-active-connections',
              at,
              checks: [{ ok: false, label: 'the reference does not pass', detail: 'the checker rejects its own reference', at: yaml }],
              durationMs: 900,
            },
          ],
        },
      ],
      totalMs: 1000,
    };
    expect(formatStep(challenge.lessons[0]!.steps[0]!, { color: false })).toContain(
      '      ✗ labs/connections/challenges.yaml:29:16: the reference does not pass: the checker rejects its own reference',
    );
    expect(formatSummary(challenge, { color: false })).toContain(
      '  labs/connections/challenges.yaml:29:16: challenge api-active-connections — the reference does not pass: the checker rejects its own reference (docs/course/01-x.mdx:12:3)',
    );
  });

  it('counts a run with no lessons as failed, so an empty course cannot pass', () => {
    expect(reportFailed({ setup: [], lessons: [], totalMs: 0 })).toBe(true);
  });
});
