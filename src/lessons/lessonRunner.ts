/**
 * Runs one lesson against a running lab: opens its terminals on their hosts, types its commands in page
 * order, asserts its challenges against the lab's Prometheus, and checks its graphs show data.
 */
import type { LabInstance } from '../lab/types.ts';
import { liveWindow, type CheckTarget } from '../checker/checkAnswer.ts';
import { grafanaVariables } from '../protocol/grafanaVariables.ts';
import { normalizeQuery } from '../checker/normalize.ts';
import type { PrometheusClient } from '../checker/prometheusClient.ts';
import type { LabContext } from './labContext.ts';
import { LessonTerminal } from './lessonTerminal.ts';
import { assertChallenge } from './challengeAssertions.ts';
import { judge } from './commandVerdict.ts';
import { waitForData } from './waitForData.ts';
import type { CommandStep, GraphStep, LessonPlan, TerminalDecl } from './lessonPlan.ts';
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
    const lessonStartSeconds = Date.now() / 1000;
    const steps: StepResult[] = [];
    const record = (s: StepResult) => {
      steps.push(s);
      this.emit({ kind: 'step', step: s });
    };
    this.emit({ kind: 'lesson', file: plan.file, title: plan.title });
    // A lesson that names what the lab lacks is not run: its errors are the whole story.
    if (referenceErrors.length) {
      for (const s of referenceErrors) record(s);
      return this.done(plan, steps, t0);
    }

    const terminals = new Map<string, LessonTerminal>();
    try {
      await Promise.all(plan.terminals.map(async (decl) => {
        const r = await this.openTerminal(decl);
        if (r.terminal) terminals.set(decl.id, r.terminal);
        record(r.step);
      }));
      let failedCommand = false;
      let metricNames: string[] | null = null;
      const graphs: GraphStep[] = [];
      for (const step of plan.steps) {
        if (step.kind === 'graph') graphs.push(step);
        else if (step.kind === 'command') {
          if (failedCommand) {
            record({ status: 'skip', label: commandLabel(step), at: step.at, reasons: ['an earlier command of this lesson failed'], durationMs: 0 });
            continue;
          }
          const r = await this.runCommand(step, terminals.get(step.terminal));
          if (r.status === 'fail') failedCommand = true;
          this.lastCommandEnd = Date.now() / 1000;
          record(r);
        } else {
          metricNames ??= await this.metricNames();
          record(await this.checkChallenge(step.id, step.at, metricNames));
        }
      }
      for (const g of graphs) record(await this.checkGraph(g, lessonStartSeconds));
    } finally {
      await Promise.all([...terminals.values()].map((t) => t.dispose()));
    }
    return this.done(plan, steps, t0);
  }

  private done(plan: LessonPlan, steps: StepResult[], t0: number): LessonResult {
    const lesson: LessonResult = { file: plan.file, title: plan.title, steps, durationMs: performance.now() - t0 };
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
    const t0 = performance.now();
    const timeoutMs = step.timeoutSeconds !== undefined ? step.timeoutSeconds * 1000 : this.commandTimeoutMs;
    const outcome = await terminal.run(step.text, timeoutMs);
    const durationMs = performance.now() - t0;
    const problem = judge(outcome, step, timeoutMs);
    if (!problem) return { status: 'pass', label, at: step.at, durationMs };
    return { status: 'fail', label, at: step.at, reasons: [problem], lastLines: await terminal.lastLines(LessonRunDefaults.LAST_LINES), durationMs };
  }

  private async checkChallenge(id: string, at: StepResult['at'], metricNames: string[]): Promise<StepResult> {
    const t0 = performance.now();
    const label = `challenge ${id}`;
    const challenge = this.ctx.challenges.byId.get(id);
    if (!challenge) return { status: 'fail', label, ...(at && { at }), reasons: ['not defined by the lab'], durationMs: 0 };
    if (!this.prometheus) return { status: 'fail', label, ...(at && { at }), reasons: ['the lab has no Prometheus to check against'], durationMs: 0 };
    const history = await this.ensureHistory();
    if (!history.ok) return { status: 'fail', label, ...(at && { at }), reasons: [history.message], durationMs: performance.now() - t0 };
    await this.windowCoversCommands();
    const target: CheckTarget = { prometheus: this.prometheus, window: liveWindow(this.ctx.challenges), scrapeSeconds: this.ctx.challenges.scrapeInterval };
    const checks = await assertChallenge(challenge, target, metricNames);
    const ok = checks.every((c) => c.ok);
    return { status: ok ? 'pass' : 'fail', label, ...(at && { at }), checks, durationMs: performance.now() - t0 };
  }

  private async checkGraph(g: GraphStep, lessonStartSeconds: number): Promise<StepResult> {
    const t0 = performance.now();
    const label = `graph ${g.title ? `"${g.title}"` : g.query}`;
    if (!this.prometheus) return { status: 'skip', label, at: g.at, reasons: ['the lab has no Prometheus'], durationMs: 0 };
    const scrape = this.ctx.challenges.scrapeInterval;
    const end = Math.floor(Date.now() / 1000);
    const start = Math.floor(lessonStartSeconds) - LessonRunDefaults.GRAPH_LOOKBACK_SECONDS;
    const n = normalizeQuery(g.query, grafanaVariables({ scrapeSeconds: scrape, intervalSeconds: scrape, rangeSeconds: end - start }));
    if (!n.ok) return { status: 'fail', label, at: g.at, reasons: [n.error.message], durationMs: performance.now() - t0 };
    const r = await this.prometheus.queryRange(n.query, { start, end, step: scrape });
    const durationMs = performance.now() - t0;
    if (!r.ok) return { status: 'fail', label, at: g.at, reasons: [`Prometheus: ${r.message}`], durationMs };
    if (r.data.length === 0) return { status: 'fail', label, at: g.at, reasons: ['the graph shows no data while the lesson runs'], durationMs };
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

function commandLabel(step: CommandStep): string {
  const text = step.text.length > 110 ? `${step.text.slice(0, 107)}…` : step.text;
  return `[${step.terminal}] $ ${text}`;
}
