/**
 * Lesson validation: read every lesson and check its references (a broken one decides the run: no lab
 * is started, and the other lessons are reported as not run), bring up a fresh lab instance, then for
 * each lesson in order open its terminals on the lab's hosts, type each command as a learner would
 * (failing on a non-zero exit of any stage unless marked, or on a timeout, or when typing at the prompt
 * no longer shows), assert each challenge against the lab's live Prometheus, and check each graph shows
 * data. Returns a report; prints nothing itself.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLab } from '../lab/startLab.ts';
import type { LabInstance, LabProgress } from '../lab/types.ts';
import { startOfflinePrometheus, type OfflinePrometheus } from '../checker/offlinePrometheus.ts';
import { PrometheusClient } from '../checker/prometheusClient.ts';
import { removeCgroupParent } from '../terminal/ProcessCgroup.ts';
import { readLesson } from './readLesson.ts';
import { checkReferences } from './referenceChecks.ts';
import { formatDefinitionError } from '../definitions/definitionError.ts';
import { loadLabContext, type LabContext } from './labContext.ts';
import type { LessonPlan } from './lessonPlan.ts';
import type { LessonResult, RunReport, StepResult } from './report.ts';
import { LessonRunner } from './lessonRunner.ts';
import { runOffline } from './offlineRun.ts';
import { waitForData } from './waitForData.ts';
import { cgroupName, homePrefix, removeStaleLeftovers } from './staleLeftovers.ts';
import { LessonRunDefaults, type Prepared, type RunEvent } from './runTypes.ts';

export { LessonRunDefaults, type RunEvent } from './runTypes.ts';
export { judge } from './commandVerdict.ts';

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

  for (const path of removeStaleLeftovers(o.prefix)) emit({ kind: 'progress', message: `removed ${path}, left by a run that was killed` });
  // A lesson that does not run is reported as such, never as passed; its own reference errors come with it.
  const notRun = (lessons: readonly Prepared[], why: (p: Prepared) => string) => {
    for (const p of lessons) {
      emit({ kind: 'lesson', file: p.plan.file, title: p.plan.title });
      for (const s of p.referenceErrors) emit({ kind: 'step', step: s });
      const lesson: LessonResult = { file: p.plan.file, title: p.plan.title, steps: p.referenceErrors, durationMs: 0, notRun: why(p) };
      report.lessons.push(lesson);
      emit({ kind: 'lesson-done', lesson });
    }
    return finish();
  };

  const ctxResult = await loadLabContext(o.lab, o.projectDir);
  if (!ctxResult.ok) {
    setupStep({ status: 'fail', label: `read lab ${o.lab}`, reasons: ctxResult.errors, durationMs: 0 });
    return notRun(o.files.map(unread), () => `the lab ${o.lab} has definition errors`);
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

  // Reference errors decide the run before any lab starts: every one of them is listed, and no lesson runs.
  const broken = prepared.filter((p) => p.referenceErrors.length);
  if (broken.length) {
    const which = broken.length === 1 ? `${broken[0]!.plan.file} has reference errors` : `${broken.length} lessons have reference errors`;
    return notRun(prepared, (p) => (p.referenceErrors.length ? 'its references do not resolve' : `${which}, so no lab was started`));
  }

  let instance = o.instance;
  if (!instance) {
    const t0 = performance.now();
    emit({ kind: 'progress', message: `starting a fresh ${o.lab} lab…` });
    const r = await startLab({ lab: o.lab, prefix: o.prefix, ...(o.projectDir && { projectDir: o.projectDir }), onProgress: (e) => {
        const message = describeProgress(e);
        if (message) emit({ kind: 'progress', message });
      } });
    if (!r.ok) {
      setupStep({ status: 'fail', label: `start lab ${o.lab}`, reasons: [r.message, ...r.errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`)], durationMs: performance.now() - t0 });
      return notRun(prepared, () => `the lab ${o.lab} did not start`);
    }
    instance = r.instance;
    // A throw is a lab that did not become ready: it is stopped below like one, never left running.
    const ready = await instance.ready().catch((e: unknown) => ({ ok: false as const, message: e instanceof Error ? e.message : String(e) }));
    setupStep({ status: ready.ok ? 'pass' : 'fail', label: `start lab ${o.lab} (instance ${instance.id})`, ...(!ready.ok && { reasons: [ready.message] }), durationMs: performance.now() - t0 });
    if (!ready.ok) {
      if (!o.keepLab) await instance.stop();
      return notRun(prepared, () => `the lab ${o.lab} did not become ready`);
    }
  }

  const cgroupParent = cgroupName(o.prefix);
  // A clean HOME for the runner's shells: the machine's own dotfiles (a slow ~/.bashrc, a stale lock in
  // it) must not decide whether a lesson passes. Lesson commands do not depend on HOME.
  const home = mkdtempSync(join(tmpdir(), homePrefix(o.prefix)));
  try {
    const prometheus = instance.prometheusUrl ? new PrometheusClient(instance.prometheusUrl) : null;
    if (prometheus) {
      const t0 = performance.now();
      const data = await waitForData(instance.prometheusUrl!);
      setupStep({ status: data.ok ? 'pass' : 'fail', label: 'Prometheus has scraped every target', ...(!data.ok && { reasons: [data.message] }), durationMs: performance.now() - t0 });
      if (!data.ok) return notRun(prepared, () => "the lab's Prometheus did not scrape every target");
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

/** A lesson named but not read (the lab could not be read, so neither could its references be checked). */
function unread(file: string): Prepared {
  return { plan: { file, id: file, title: '', terminals: [], steps: [], problems: [] }, referenceErrors: [] };
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
    (e): StepResult => ({ status: 'fail', label: `reference: ${e.kind}`, at: { file: e.file, line: e.line, column: e.column }, reasons: [formatDefinitionError(e)], durationMs: 0 }),
  );
  return { plan, referenceErrors };
}

/** One progress line per event worth reading; processes show when they are ready, stop or fail, not as they start. */
function describeProgress(e: LabProgress): string | null {
  switch (e.kind) {
    case 'cleanup':
      return `removed stale instance ${e.instance}: ${e.message}`;
    case 'network':
      return `network: ${e.message}`;
    case 'process':
      if (e.state === 'pending' || e.state === 'starting') return null;
      return `${e.host}/${e.process}: ${e.state}${e.message ? ` (${e.message})` : ''}`;
    case 'ready':
      return `lab ready in ${(e.elapsedMs / 1000).toFixed(1)} s`;
  }
}
