import { describe, expect, it } from 'vitest';
import { SUCCESS, exitProblem, pipelineStatus } from './commandExpectation.ts';

describe('pipelineStatus', () => {
  it('is $? for a simple command, and the last failed stage of a pipeline (as pipefail counts it)', () => {
    expect(pipelineStatus({ exitCode: 4 })).toBe(4);
    expect(pipelineStatus({ exitCode: 4, pipeStatus: [4] })).toBe(4);
    expect(pipelineStatus({ exitCode: 0, pipeStatus: [23, 0] })).toBe(23);
    expect(pipelineStatus({ exitCode: 1, pipeStatus: [7, 1] })).toBe(1);
    expect(pipelineStatus({ exitCode: 0, pipeStatus: [0, 0, 0] })).toBe(0);
  });

  it('applies a negation (`! a | b`, seen as a $? unlike the last stage) to the pipeline’s status', () => {
    // `! false | true`: bash says 1 (true's 0, negated); under pipefail false's 1, negated, is 0.
    expect(pipelineStatus({ exitCode: 1, pipeStatus: [1, 0] })).toBe(0);
    // `! true | true`: nothing failed, negated: 1.
    expect(pipelineStatus({ exitCode: 1, pipeStatus: [0, 0] })).toBe(1);
  });
});

describe('exitProblem', () => {
  it('accepts 0 by default and names any other status', () => {
    expect(exitProblem({ exitCode: 0, pipeStatus: [0] }, { expect: SUCCESS })).toBeNull();
    expect(exitProblem({ exitCode: 1, pipeStatus: [1] }, { expect: SUCCESS })).toBe('exited with status 1');
  });

  it('fails a pipeline whose earlier stage failed, naming the stage, unless allowPipeFailure', () => {
    const curlThenGrep = { exitCode: 0, pipeStatus: [23, 0] };
    expect(exitProblem(curlThenGrep, { expect: SUCCESS })).toBe('pipeline stage 1 of 2 exited with status 23');
    expect(exitProblem(curlThenGrep, { expect: SUCCESS, allowPipeFailure: true })).toBeNull();
    // The last stage still counts with allowPipeFailure.
    expect(exitProblem({ exitCode: 1, pipeStatus: [0, 1] }, { expect: SUCCESS, allowPipeFailure: true })).toBe('exited with status 1');
  });

  it('holds a command to expectExit and expectFail, judging a pipeline by its status', () => {
    expect(exitProblem({ exitCode: 22 }, { expect: { kind: 'code', code: 22 } })).toBeNull();
    expect(exitProblem({ exitCode: 0, pipeStatus: [22, 0] }, { expect: { kind: 'code', code: 22 } })).toBeNull();
    expect(exitProblem({ exitCode: 0 }, { expect: { kind: 'code', code: 22 } })).toBe('exited with status 0, expected 22 (expectExit)');
    expect(exitProblem({ exitCode: 0, pipeStatus: [6, 0] }, { expect: { kind: 'nonzero' } })).toBeNull();
    expect(exitProblem({ exitCode: 0, pipeStatus: [0, 0] }, { expect: { kind: 'nonzero' } })).toBe(
      'exited with 0, but the lesson marks it as expected to fail (expectFail)',
    );
  });
});
