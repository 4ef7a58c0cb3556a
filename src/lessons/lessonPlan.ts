/**
 * A lesson as plain data: what its MDX declares (terminals, run-command buttons, challenges, graphs),
 * each with the position it came from, so every later error can point at a line. Produced by
 * `readLesson` (readLesson.ts); consumed by the reference checks, the runner and the site build.
 */

import type { SourcePosition } from '../definitions/definitionError.ts';
import type { ExpectedExit } from '../protocol/commandExpectation.ts';
import type { PageReferences } from './pageReferences.ts';

/** 1-based line and column in the lesson file, as editors and `file:line:column` links expect. */
export type { SourcePosition };

export function formatPosition(at: SourcePosition): string {
  return `${at.file}:${at.line}:${at.column}`;
}

/** `<Terminal target shell workdir user id name/>` inside a `<TerminalVisor>`. */
export interface TerminalDecl {
  id: string;
  /** Host name of the lab. */
  target: string;
  name?: string;
  shell?: string;
  user?: string;
  workdir?: string;
  at: SourcePosition;
}

/** What a command is expected to exit with: `0` unless the lesson says otherwise (the page's run button judges by the same rules). */
export type { ExpectedExit };

/** One `<Command>` of a `<TerminalRunCommand>` button. */
export interface CommandStep {
  kind: 'command';
  /** Id of the `<Terminal>` the button types into (the button's `target` attribute). */
  terminal: string;
  /** The exact text typed, as the browser types it. */
  text: string;
  expect: ExpectedExit;
  /** Per-command limit from a `timeout={SECONDS}` attribute; the runner's default otherwise. */
  timeoutSeconds?: number;
  /**
   * `keepsRunning`: the command runs until stopped (a server, `tail -f`, a load run the learner ends with
   * Ctrl-C). The runner types it, lets it start, and stops it with Ctrl-C at the end of its block.
   */
  keepsRunning?: true;
  /**
   * `allowPipeFailure`: an earlier stage of the pipeline may fail without failing the step (e.g. `grep -q`
   * closing the pipe early makes `curl` exit 23). Without it, any failing stage fails the step.
   */
  allowPipeFailure?: true;
  /** Ordinal of the button in the lesson (1-based), so a report can group commands by button. */
  button: number;
  at: SourcePosition;
}

/** `<Challenge id="…"/>`. */
export interface ChallengeStep {
  kind: 'challenge';
  id: string;
  /** A panel challenge's `dashboard`: the <Dashboard id> whose panel it checks. */
  dashboard?: string;
  at: SourcePosition;
}

/** `<MetricsGraph query="…"/>`. */
export interface GraphStep {
  kind: 'graph';
  query: string;
  title?: string;
  /** The `window` and `step` attributes as written; the browser's graph resolves them (src/protocol/graphQuery.ts). */
  window?: string;
  step?: string;
  at: SourcePosition;
}

/** `<Task id="…"/>`: a change of the lab checked on a host (tasks.yaml). */
export interface TaskStep {
  kind: 'task';
  id: string;
  at: SourcePosition;
}

export type LessonStep = CommandStep | ChallengeStep | GraphStep | TaskStep;

/** A problem found while reading the MDX itself (syntax, a malformed attribute, an unreadable command). */
export interface LessonProblem {
  at: SourcePosition;
  message: string;
}

export interface LessonPlan {
  file: string;
  /** Front-matter `id` (or the file name without extension). */
  id: string;
  title: string;
  terminals: TerminalDecl[];
  /** Commands, challenges, tasks and graphs in document order. */
  steps: LessonStep[];
  problems: LessonProblem[];
  /** Other components and the Markdown images the page uses (pageReferences.ts); absent when not read. */
  references?: PageReferences;
  /** `<WebTab service>` buttons: the lab's web services the page opens in the dock. */
  webTabs?: WebTabUse[];
}

/** `<WebTab service="…"/>`. */
export interface WebTabUse {
  service: string;
  at: SourcePosition;
}

export function commandSteps(plan: LessonPlan): CommandStep[] {
  return plan.steps.filter((s): s is CommandStep => s.kind === 'command');
}

export function challengeSteps(plan: LessonPlan): ChallengeStep[] {
  return plan.steps.filter((s): s is ChallengeStep => s.kind === 'challenge');
}

export function graphSteps(plan: LessonPlan): GraphStep[] {
  return plan.steps.filter((s): s is GraphStep => s.kind === 'graph');
}
