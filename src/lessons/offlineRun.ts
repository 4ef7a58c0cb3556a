/** `patchbay test --offline`: one lesson without a lab. */
import { offlineWindow, type CheckTarget } from '../checker/checkAnswer.ts';
import type { OfflinePrometheus } from '../checker/offlinePrometheus.ts';
import type { LabContext } from './labContext.ts';
import { assertChallenge } from './challengeAssertions.ts';
import { assertPanelChallenge } from './panelAssertions.ts';
import type { DefinitionPath } from '../definitions/yamlSource.ts';
import type { RunReport, StepResult } from './report.ts';
import type { Prepared, RunEvent } from './runTypes.ts';

/**
 * Without a lab: references are checked, commands and graphs are skipped (they need the live lab), and
 * challenges are asserted against the checker's offline fixture, a fixed stretch of recorded-like data.
 */
export async function runOffline(p: Prepared, ctx: LabContext, offline: OfflinePrometheus | null, emit: (e: RunEvent) => void, report: RunReport): Promise<void> {
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
    if (skipped) record({ status: 'skip', label: `${skipped} commands, tasks and graphs not run (--offline: no lab)`, durationMs: 0 });
    let metricNames: string[] | null = null;
    for (const step of p.plan.steps) {
      if (step.kind !== 'challenge') continue;
      const started = performance.now();
      const challenge = ctx.challenges.byId.get(step.id);
      const panel = ctx.challenges.panelById.get(step.id);
      if ((!challenge && !panel) || !offline) {
        record({ status: 'fail', label: `challenge ${step.id} (offline fixture)`, at: step.at, reasons: [offline ? 'not defined by the lab' : 'no offline Prometheus'], durationMs: 0 });
        continue;
      }
      if (!metricNames) {
        const names = await offline.client.labelValues('__name__');
        metricNames = names.ok ? names.data : [];
      }
      const target: CheckTarget = { prometheus: offline.client, window: offlineWindow(ctx.challenges), scrapeSeconds: ctx.challenges.scrapeInterval };
      const positions = (path: DefinitionPath) => ctx.challenges.positionOf(step.id, path);
      const checks = panel ? await assertPanelChallenge(panel, target, metricNames, positions) : await assertChallenge(challenge!, target, metricNames, positions);
      record({ status: checks.every((c) => c.ok) ? 'pass' : 'fail', label: `challenge ${step.id} (offline fixture)`, at: step.at, checks, durationMs: performance.now() - started });
    }
  }
  const lesson = { file: p.plan.file, title: p.plan.title, steps, durationMs: performance.now() - t0 };
  report.lessons.push(lesson);
  emit({ kind: 'lesson-done', lesson });
}
