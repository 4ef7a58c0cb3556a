/**
 * Runs one lesson against a running lab: opens its terminals on their hosts, types its commands in page
 * order, block by block (after each block it types at the prompt by hand and reads the screen, as a
 * learner would notice a terminal that no longer echoes), asserts its challenges against the lab's
 * Prometheus, and checks its graphs show data with the request the browser's graph makes.
 */
import type { LabInstance } from '../lab/types.ts';
import { liveWindow, type CheckTarget } from '../checker/checkAnswer.ts';
import type { PrometheusClient } from '../checker/prometheusClient.ts';
import { graphRequest, resolveGraphSettings } from '../protocol/graphQuery.ts';
import type { LabContext } from './labContext.ts';
import { LessonTerminal, LessonTerminalDefaults } from './lessonTerminal.ts';
import { assertChallenge } from './challengeAssertions.ts';
import { assertPanelChallenge } from './panelAssertions.ts';
import type { DefinitionPath } from '../definitions/yamlSource.ts';
import { assertTask } from './taskAssertions.ts';
import { judge } from './commandVerdict.ts';
import { waitForData } from './waitForData.ts';
import { formatPosition, type CommandStep, type GraphStep, type LessonPlan, type LessonStep, type TerminalDecl } from './lessonPlan.ts';
import type { LessonResult, StepResult } from './report.ts';
import { LessonRunDefaults, type Prepared, type RunEvent } from './runTypes.ts';

export class LessonRunner {
  constructor(
    private readonly instance: LabInstance,
    private readonly ctx: LabContext,
    private readonly prometheus: PrometheusClient | null,
    private readonly cgroupParent: string,
    private readonly home: string,
    private readonly commandTimeoutMs: number,
    private readonly emit: (e: RunEvent) => void,
  ) {}

  async run({ plan, referenceErrors }: Prepared): Promise<LessonResult> {
    const t0 = performance.now();
    const steps: StepResult[] = [];
    const record = (s: StepResult) => {
      steps.push(s);
      this.emit({ kind: 'step', step: s });
    };
    this.emit({ kind: 'lesson', file: plan.file, title: plan.title });
    // runLessons does not run a lesson whose references are broken; this holds for any other caller.
    if (referenceErrors.length) {
      for (const s of referenceErrors) record(s);
      return this.done(plan, steps, t0, 'its references do not resolve');
    }

    const terminals = new Map<string, LessonTerminal>();
    try {
      // Every opening settles before anything is thrown on, so `finally` disposes each terminal that opened.
      const opening = await Promise.allSettled(plan.terminals.map(async (decl) => {
        const r = await this.openTerminal(decl);
        if (r.terminal) terminals.set(decl.id, r.terminal);
        record(r.step);
      }));
      for (const o of opening) if (o.status === 'rejected') throw o.reason;
      // The first failure of a command (or of typing after its block): what later commands and
      // challenges depend on, so they are skipped, naming it, rather than run or waited for in vain.
      let failed: StepResult | null = null;
      let metricNames: string[] | null = null;
      const graphs: GraphStep[] = [];
      for (const [i, step] of plan.steps.entries()) {
        if (step.kind === 'graph') graphs.push(step);
        else if (failed) record(skipped(step, failed));
        else if (step.kind === 'command') {
          const terminal = terminals.get(step.terminal);
          const r = await this.runCommand(step, terminal);
          this.lastCommandEnd = Date.now() / 1000;
          record(r);
          if (r.status === 'fail') failed = r;
          else if (terminal && endsBlock(step, plan.steps[i + 1])) {
            const typing = await this.checkTyping(step, terminal);
            if (typing) {
              record(typing);
              failed = typing;
            }
          }
        } else if (step.kind === 'task') {
          record(await this.checkTask(step.id, step.at));
        } else {
          metricNames ??= await this.metricNames();
          record(await this.checkChallenge(step.id, step.at, metricNames));
        }
      }
      for (const g of graphs) record(await this.checkGraph(g));
    } finally {
      await Promise.all([...terminals.values()].map((t) => t.dispose()));
    }
    return this.done(plan, steps, t0);
  }

  private done(plan: LessonPlan, steps: StepResult[], t0: number, notRun?: string): LessonResult {
    const lesson: LessonResult = { file: plan.file, title: plan.title, steps, durationMs: performance.now() - t0, ...(notRun && { notRun }) };
    this.emit({ kind: 'lesson-done', lesson });
    return lesson;
  }

  private async openTerminal(decl: TerminalDecl): Promise<{ terminal?: LessonTerminal; step: StepResult }> {
    const t0 = performance.now();
    const label = `terminal ${decl.id} on ${decl.target}`;
    const spec = this.instance.spawnSpecFor(decl.target, {
      ...(decl.user && { user: decl.user }),
      ...(decl.shell && { shell: decl.shell }),
      ...(decl.workdir && { workdir: decl.workdir }),
    });
    if (!spec.ok) return { step: { status: 'fail', label, at: decl.at, reasons: [`${spec.code}: ${spec.message}`], durationMs: performance.now() - t0 } };
    const opened = await LessonTerminal.open({ terminalId: decl.id, spec: { ...spec.spec, env: { ...spec.spec.env, HOME: this.home } }, cgroupParent: this.cgroupParent });
    if (!opened.ok) return { step: { status: 'fail', label, at: decl.at, reasons: [opened.message], lastLines: opened.lastLines, durationMs: performance.now() - t0 } };
    return { terminal: opened.terminal, step: { status: 'pass', label, at: decl.at, durationMs: performance.now() - t0 } };
  }

  private async runCommand(step: CommandStep, terminal: LessonTerminal | undefined): Promise<StepResult> {
    const label = commandLabel(step);
    if (!terminal) return { status: 'fail', label, at: step.at, reasons: [`terminal "${step.terminal}" did not open`], durationMs: 0 };
    if (step.keepsRunning) return this.runKeepsRunning(step, terminal);
    const t0 = performance.now();
    const timeoutMs = step.timeoutSeconds !== undefined ? step.timeoutSeconds * 1000 : this.commandTimeoutMs;
    const outcome = await terminal.run(step.text, timeoutMs);
    const durationMs = performance.now() - t0;
    const problem = judge(outcome, step, timeoutMs);
    if (!problem) return { status: 'pass', label, at: step.at, durationMs };
    return { status: 'fail', label, at: step.at, reasons: [problem], lastLines: await terminal.lastLines(LessonRunDefaults.LAST_LINES), durationMs };
  }

  /**
   * `keepsRunning`: typed, let start (until it prints or a short settle time), then stopped with Ctrl-C,
   * since it ends its block. One that ends by itself first is judged by its exit status.
   */
  private async runKeepsRunning(step: CommandStep, terminal: LessonTerminal): Promise<StepResult> {
    const t0 = performance.now();
    const label = commandLabel(step);
    let started = await terminal.start(step.text);
    // Ended after start returned (its mark came since it was typed): judged by that mark, not stopped.
    if (started.kind === 'running') started = terminal.typedCommandEnd() ?? started;
    let problem: string | null;
    if (started.kind === 'running') {
      const stopped = await terminal.interrupt();
      problem = stopped ? null : `kept running as declared (keepsRunning), but Ctrl-C did not bring the prompt back within ${LessonTerminalDefaults.INTERRUPT_GRACE_MS / 1000} s`;
    } else {
      problem = judge(started, step, 0);
      if (problem && started.kind === 'exited') problem = `${problem} before the end of its block (it is marked keepsRunning)`;
    }
    const durationMs = performance.now() - t0;
    if (!problem) return { status: 'pass', label: started.kind === 'running' ? `${label}  (kept running, stopped with Ctrl-C)` : label, at: step.at, durationMs };
    return { status: 'fail', label, at: step.at, reasons: [problem], lastLines: await terminal.lastLines(LessonRunDefaults.LAST_LINES), durationMs };
  }

  /** After a block: typing at the prompt must still show, on a clean prompt line. A failed step, or null. */
  private async checkTyping(last: CommandStep, terminal: LessonTerminal): Promise<StepResult | null> {
    const t0 = performance.now();
    const r = await terminal.checkTyping();
    if (r.ok) return null;
    return {
      status: 'fail',
      label: `[${last.terminal}] typing at the prompt after the block that ends here`,
      at: last.at,
      reasons: [r.message],
      lastLines: await terminal.lastLines(LessonRunDefaults.LAST_LINES),
      durationMs: performance.now() - t0,
    };
  }

  private async checkChallenge(id: string, at: StepResult['at'], metricNames: string[]): Promise<StepResult> {
    const t0 = performance.now();
    const label = `challenge ${id}`;
    const challenge = this.ctx.challenges.byId.get(id);
    const panel = this.ctx.challenges.panelById.get(id);
    if (!challenge && !panel) return { status: 'fail', label, ...(at && { at }), reasons: ['not defined by the lab'], durationMs: 0 };
    if (!this.prometheus) return { status: 'fail', label, ...(at && { at }), reasons: ['the lab has no Prometheus to check against'], durationMs: 0 };
    const history = await this.ensureHistory();
    if (!history.ok) return { status: 'fail', label, ...(at && { at }), reasons: [history.message], durationMs: performance.now() - t0 };
    await this.windowCoversCommands();
    const target: CheckTarget = { prometheus: this.prometheus, window: liveWindow(this.ctx.challenges), scrapeSeconds: this.ctx.challenges.scrapeInterval };
    const positions = (path: DefinitionPath) => this.ctx.challenges.positionOf(id, path);
    const checks = panel ? await assertPanelChallenge(panel, target, metricNames, positions) : await assertChallenge(challenge!, target, metricNames, positions);
    const ok = checks.every((c) => c.ok);
    return { status: ok ? 'pass' : 'fail', label, ...(at && { at }), checks, durationMs: performance.now() - t0 };
  }

  /** A task: its check fails here, its solution runs, then the check holds (taskAssertions.ts). */
  private async checkTask(id: string, at: StepResult['at']): Promise<StepResult> {
    const t0 = performance.now();
    const label = `task ${id}`;
    const task = this.ctx.tasks.byId.get(id);
    if (!task) return { status: 'fail', label, ...(at && { at }), reasons: ["not defined by the lab's tasks.yaml"], durationMs: 0 };
    const checks = await assertTask(task, this.instance, (path) => this.ctx.tasks.positionOf(id, path));
    return { status: checks.every((c) => c.ok) ? 'pass' : 'fail', label, ...(at && { at }), checks, durationMs: performance.now() - t0 };
  }

  /**
   * What the learner's page shows at the end of the lesson: the browser's graph builds its request with
   * graphRequest (its window and step, Grafana's variables for the lab's scrape interval); so does this.
   */
  private async checkGraph(g: GraphStep): Promise<StepResult> {
    const t0 = performance.now();
    const label = `graph ${g.title ? `"${g.title}"` : g.query}`;
    if (!this.prometheus) return { status: 'skip', label, at: g.at, reasons: ['the lab has no Prometheus'], durationMs: 0 };
    const settings = resolveGraphSettings({ ...(g.window !== undefined && { window: g.window }), ...(g.step !== undefined && { step: g.step }) });
    const request = graphRequest(g.query, settings, this.ctx.challenges.scrapeInterval, Date.now() / 1000);
    const r = await this.prometheus.queryRange(request.query, { start: request.start, end: request.end, step: request.stepSeconds });
    const durationMs = performance.now() - t0;
    const reasons = settings.problems;
    if (!r.ok) return { status: 'fail', label, at: g.at, reasons: [`the page shows "The query failed": ${r.message}`, ...reasons], durationMs };
    if (r.data.length === 0) return { status: 'fail', label, at: g.at, reasons: [`the graph shows no data over its last ${settings.windowSeconds} s`, ...reasons], durationMs };
    if (reasons.length) return { status: 'fail', label, at: g.at, reasons, durationMs };
    return { status: 'pass', label: `${label} (${r.data.length} series)`, at: g.at, durationMs };
  }

  /** When the last command finished (unix seconds); challenges are judged on data that includes it. */
  private lastCommandEnd = 0;

  /**
   * The checker's live window ends a step and two scrapes in the past. A challenge right after the
   * commands that produced its data would not see them yet, so wait until the window's end passes the
   * last command plus one scrape: the challenge is judged on what the lesson just did.
   */
  private async windowCoversCommands(): Promise<void> {
    const needed = this.lastCommandEnd + this.ctx.challenges.scrapeInterval;
    while (liveWindow(this.ctx.challenges).end < needed) {
      await new Promise((r) => setTimeout(r, LessonRunDefaults.DATA_POLL_MS));
    }
  }

  private history: Promise<{ ok: true } | { ok: false; message: string }> | null = null;

  /** Once per run: waits until the lab has CHALLENGE_HISTORY_SECONDS of data (see LessonRunDefaults). */
  private ensureHistory(): Promise<{ ok: true } | { ok: false; message: string }> {
    if (!this.history) {
      const scrape = this.ctx.challenges.scrapeInterval;
      const samples = Math.ceil(LessonRunDefaults.CHALLENGE_HISTORY_SECONDS / scrape);
      this.emit({ kind: 'progress', message: `waiting until the lab has ${LessonRunDefaults.CHALLENGE_HISTORY_SECONDS} s of metrics before the first challenge…` });
      this.history = waitForData(this.instance.prometheusUrl!, samples);
    }
    return this.history;
  }

  private async metricNames(): Promise<string[]> {
    if (!this.prometheus) return [];
    const r = await this.prometheus.labelValues('__name__');
    return r.ok ? r.data : [];
  }
}

/** The last command of its `<TerminalRunCommand>`: the next step is not a command of the same button. */
function endsBlock(step: CommandStep, next: LessonStep | undefined): boolean {
  return next?.kind !== 'command' || next.button !== step.button;
}

/** A command or challenge after a failure it depends on: skipped, naming the failure. */
function skipped(step: CommandStep | Extract<LessonStep, { kind: 'challenge' | 'task' }>, failed: StepResult): StepResult {
  const where = failed.at ? ` at ${formatPosition(failed.at)}` : '';
  const label = step.kind === 'command' ? commandLabel(step) : `${step.kind} ${step.id}`;
  const why = step.kind === 'command' ? `an earlier step of this lesson failed${where}` : `not checked: its data comes from the lesson's commands, and the one${where} failed`;
  return { status: 'skip', label, at: step.at, reasons: [why], durationMs: 0 };
}

function commandLabel(step: CommandStep): string {
  const text = step.text.length > 110 ? `${step.text.slice(0, 107)}…` : step.text;
  return `[${step.terminal}] $ ${text}`;
}
