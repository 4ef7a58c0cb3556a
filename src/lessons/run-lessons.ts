/**
 * Lesson validation: read every lesson, check its references, bring up a fresh lab instance, then for
 * each lesson in order open its terminals on the lab's hosts, type each command as a learner would
 * (failing on a non-zero exit unless marked, or on a timeout), assert each challenge against the lab's
 * live Prometheus, and check each graph shows data. Returns a report; prints nothing itself.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLab } from '../lab/start-lab.ts';
import type { LabInstance, LabProgress } from '../lab/types.ts';
import { liveWindow, offlineWindow, type CheckTarget } from '../checker/checkAnswer.ts';
import { startOfflinePrometheus, type OfflinePrometheus } from '../checker/offlinePrometheus.ts';
import { grafanaVariables, normalizeQuery } from '../checker/normalize.ts';
import { PrometheusClient } from '../checker/prometheusClient.ts';
import { removeCgroupParent } from '../terminal/ProcessCgroup.ts';
import { readLesson } from './read-lesson.ts';
import { checkReferences, formatLessonError } from './reference-checks.ts';
import { loadLabContext, type LabContext } from './lab-context.ts';
import { LessonTerminal, type CommandOutcome } from './lesson-terminal.ts';
import { assertChallenge } from './challenge-assertions.ts';
import type { CommandStep, GraphStep, LessonPlan, TerminalDecl } from './lesson-plan.ts';
import type { LessonResult, RunReport, StepResult } from './report.ts';

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
  /** Graphs are checked over the lesson's run plus this much before it, as a learner's page would show. */
  GRAPH_LOOKBACK_SECONDS: 60,
  /** Lines of the terminal shown under a failed command. */
  LAST_LINES: 15,
} as const;

export type RunEvent =
  | { kind: 'progress'; message: string }
  | { kind: 'setup'; step: StepResult }
  | { kind: 'lesson'; file: string; title: string }
  | { kind: 'step'; step: StepResult }
  | { kind: 'lesson-done'; lesson: LessonResult };

export interface RunLessonsOptions {
  files: string[];
  /** Lab name under labs/ (or a path). */
  lab: string;
  /** No lab: check references, assert challenges against the checker's offline fixture; skip commands and graphs. */
  offline?: boolean;
  /** Leave the lab running afterwards (its instance id is reported). */
  keepLab?: boolean;
  /** Prefix of the lab instance and the terminals' cgroup (≤ 5 characters). */
  prefix: string;
  /** Use this running lab instead of starting one (it is not stopped). */
  instance?: LabInstance;
  commandTimeoutSeconds?: number;
  projectDir?: string;
  onEvent?: (e: RunEvent) => void;
}

interface Prepared {
  plan: LessonPlan;
  referenceErrors: StepResult[];
}

export async function runLessons(o: RunLessonsOptions): Promise<RunReport> {
  const started = performance.now();
  const emit = o.onEvent ?? (() => {});
  const report: RunReport = { setup: [], lessons: [], totalMs: 0 };
  const setupStep = (s: StepResult) => {
    report.setup.push(s);
    emit({ kind: 'setup', step: s });
  };
  const finish = () => {
    report.totalMs = performance.now() - started;
    return report;
  };

  const ctxResult = await loadLabContext(o.lab, o.projectDir);
  if (!ctxResult.ok) {
    setupStep({ status: 'fail', label: `read lab ${o.lab}`, reasons: ctxResult.errors, durationMs: 0 });
    return finish();
  }
  const ctx = ctxResult.context;
  const prepared = o.files.map((file) => prepare(file, ctx));

  if (o.offline) {
    // Without a lab there is nothing to type into; references are still checked, and each lesson
    // reports what it skipped so a green offline run is never mistaken for a full one.
    const needsFixture = prepared.some((p) => !p.referenceErrors.length && p.plan.steps.some((s) => s.kind === 'challenge'));
    let offline: OfflinePrometheus | null = null;
    if (needsFixture) {
      const t0 = performance.now();
      const r = await startOfflinePrometheus(ctx.challenges, { prefix: `${o.prefix}-offline` });
      setupStep({ status: r.ok ? 'pass' : 'fail', label: 'start Prometheus on the offline fixture', ...(!r.ok && { reasons: [r.message] }), durationMs: performance.now() - t0 });
      if (r.ok) offline = r.prometheus;
    }
    try {
      for (const p of prepared) await runOffline(p, ctx, offline, emit, report);
    } finally {
      await offline?.stop();
    }
    return finish();
  }

  let instance = o.instance;
  if (!instance) {
    const t0 = performance.now();
    emit({ kind: 'progress', message: `starting a fresh ${o.lab} lab…` });
    const r = await startLab({ lab: o.lab, prefix: o.prefix, ...(o.projectDir && { projectDir: o.projectDir }), onProgress: (e) => emit({ kind: 'progress', message: describeProgress(e) }) });
    if (!r.ok) {
      setupStep({ status: 'fail', label: `start lab ${o.lab}`, reasons: [r.message, ...r.errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`)], durationMs: performance.now() - t0 });
      return finish();
    }
    instance = r.instance;
    const ready = await instance.ready();
    setupStep({ status: ready.ok ? 'pass' : 'fail', label: `start lab ${o.lab} (instance ${instance.id})`, ...(!ready.ok && { reasons: [ready.message] }), durationMs: performance.now() - t0 });
    if (!ready.ok) {
      if (!o.keepLab) await instance.stop();
      return finish();
    }
  }

  const cgroupParent = `${o.prefix}-lessons-${process.pid}`;
  // A clean HOME for the runner's shells: the machine's own dotfiles (a slow ~/.bashrc, a stale lock in
  // it) must not decide whether a lesson passes. Lesson commands do not depend on HOME.
  const home = mkdtempSync(join(tmpdir(), `${o.prefix}-home-`));
  try {
    const prometheus = instance.prometheusUrl ? new PrometheusClient(instance.prometheusUrl) : null;
    if (prometheus) {
      const t0 = performance.now();
      const data = await waitForData(instance.prometheusUrl!);
      setupStep({ status: data.ok ? 'pass' : 'fail', label: 'Prometheus has scraped every target', ...(!data.ok && { reasons: [data.message] }), durationMs: performance.now() - t0 });
      if (!data.ok) return finish();
    }
    const runner = new LessonRunner(instance, ctx, prometheus, cgroupParent, home, (o.commandTimeoutSeconds ?? LessonRunDefaults.COMMAND_TIMEOUT_SECONDS) * 1000, emit);
    for (const p of prepared) report.lessons.push(await runner.run(p));
  } finally {
    removeCgroupParent(cgroupParent);
    rmSync(home, { recursive: true, force: true });
    if (!o.instance) {
      if (o.keepLab) emit({ kind: 'progress', message: `lab kept running: instance ${instance.id} (stop it with \`patchbay down ${instance.id}\`)` });
      else {
        const t0 = performance.now();
        await instance.stop();
        setupStep({ status: 'pass', label: `stop lab (instance ${instance.id})`, durationMs: performance.now() - t0 });
      }
    }
  }
  return finish();
}

function prepare(file: string, ctx: LabContext): Prepared {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const plan: LessonPlan = { file, id: file, title: file, terminals: [], steps: [], problems: [] };
    return { plan, referenceErrors: [{ status: 'fail', label: 'read lesson', reasons: [(err as Error).message], durationMs: 0 }] };
  }
  const plan = readLesson(text, file);
  const referenceErrors = checkReferences(plan, ctx.references).map(
    (e): StepResult => ({ status: 'fail', label: `reference: ${e.kind}`, at: e.at, reasons: [formatLessonError(e)], durationMs: 0 }),
  );
  return { plan, referenceErrors };
}

/**
 * Without a lab: references are checked, commands and graphs are skipped (they need the live lab), and
 * challenges are asserted against the checker's offline fixture, a fixed stretch of recorded-like data.
 */
async function runOffline(p: Prepared, ctx: LabContext, offline: OfflinePrometheus | null, emit: (e: RunEvent) => void, report: RunReport): Promise<void> {
  const t0 = performance.now();
  emit({ kind: 'lesson', file: p.plan.file, title: p.plan.title });
  const steps: StepResult[] = [];
  const record = (s: StepResult) => {
    steps.push(s);
    emit({ kind: 'step', step: s });
  };
  for (const s of p.referenceErrors) record(s);
  if (!p.referenceErrors.length) {
    record({ status: 'pass', label: `references: ${p.plan.terminals.length} terminals, ${p.plan.steps.length} steps resolve against the lab`, durationMs: 0 });
    const skipped = p.plan.steps.filter((s) => s.kind !== 'challenge').length;
    if (skipped) record({ status: 'skip', label: `${skipped} commands and graphs not run (--offline: no lab)`, durationMs: 0 });
    let metricNames: string[] | null = null;
    for (const step of p.plan.steps) {
      if (step.kind !== 'challenge') continue;
      const started = performance.now();
      const challenge = ctx.challenges.byId.get(step.id);
      if (!challenge || !offline) {
        record({ status: 'fail', label: `challenge ${step.id} (offline fixture)`, at: step.at, reasons: [offline ? 'not defined by the lab' : 'no offline Prometheus'], durationMs: 0 });
        continue;
      }
      if (!metricNames) {
        const names = await offline.client.labelValues('__name__');
        metricNames = names.ok ? names.data : [];
      }
      const target: CheckTarget = { prometheus: offline.client, window: offlineWindow(ctx.challenges), scrapeSeconds: ctx.challenges.scrapeInterval };
      const checks = await assertChallenge(challenge, target, metricNames);
      record({ status: checks.every((c) => c.ok) ? 'pass' : 'fail', label: `challenge ${step.id} (offline fixture)`, at: step.at, checks, durationMs: performance.now() - started });
    }
  }
  const lesson = { file: p.plan.file, title: p.plan.title, steps, durationMs: performance.now() - t0 };
  report.lessons.push(lesson);
  emit({ kind: 'lesson-done', lesson });
}

class LessonRunner {
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

/** Null when the outcome is what the lesson expects; else why not, in one line. */
export function judge(outcome: CommandOutcome, step: Pick<CommandStep, 'expect'>, timeoutMs: number): string | null {
  switch (outcome.kind) {
    case 'exited': {
      const e = step.expect;
      if (e.kind === 'nonzero') return outcome.exitCode !== 0 ? null : 'exited with 0, but the lesson marks it as expected to fail (expectFail)';
      if (outcome.exitCode === e.code) return null;
      return e.code === 0 ? `exited with status ${outcome.exitCode}` : `exited with status ${outcome.exitCode}, expected ${e.code} (expectExit)`;
    }
    case 'timeout':
      return `did not finish within ${timeoutMs / 1000} s${outcome.interrupted ? ' (interrupted with Ctrl-C)' : '; Ctrl-C did not bring the prompt back'}`;
    case 'shell-ended':
      return `the shell ended: ${outcome.reason}`;
  }
}

function describeProgress(e: LabProgress): string {
  switch (e.kind) {
    case 'cleanup':
      return `removed stale instance ${e.instance}: ${e.message}`;
    case 'network':
      return `network: ${e.message}`;
    case 'process':
      return `${e.host}/${e.process}: ${e.state}${e.message ? ` (${e.message})` : ''}`;
    case 'ready':
      return `lab ready in ${(e.elapsedMs / 1000).toFixed(1)} s`;
  }
}

/** Waits until every scrape target is up and has a few samples, so the first `rate()` has data. */
async function waitForData(prometheusUrl: string, minSamples: number = LessonRunDefaults.MIN_SAMPLES_PER_TARGET): Promise<{ ok: true } | { ok: false; message: string }> {
  const deadline = Date.now() + LessonRunDefaults.DATA_WAIT_MS;
  const base = prometheusUrl.replace(/\/+$/, '');
  const query = async (q: string): Promise<number | null> => {
    try {
      const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}`, { signal: AbortSignal.timeout(5_000) });
      const body = (await res.json()) as { data?: { result?: { value: [number, string] }[] } };
      const v = body.data?.result?.[0]?.value[1];
      return v === undefined ? null : Number(v);
    } catch {
      return null;
    }
  };
  let last = 'Prometheus did not answer';
  while (Date.now() < deadline) {
    const down = await query('count(up == 0)');
    const samples = await query('min(count_over_time(up[10m]))');
    if (samples !== null && samples >= minSamples && down === null) return { ok: true };
    last = down !== null ? `${down} scrape target(s) down` : `only ${samples ?? 0} samples per target so far`;
    await new Promise((r) => setTimeout(r, LessonRunDefaults.DATA_POLL_MS));
  }
  return { ok: false, message: `${last} after ${LessonRunDefaults.DATA_WAIT_MS / 1000} s` };
}
