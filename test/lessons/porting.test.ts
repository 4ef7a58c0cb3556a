/**
 * Porting a Shipyard lesson (test/fixtures/lessons/shipyard): copied unchanged, `patchbay test` lists
 * everything that must still be converted in one run, before any lab starts; converted, it keeps its
 * Shipyard `target`s and runs in real terminals of a lab that declares them as host aliases
 * (test/fixtures/labs/ported, prefix pbp).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_DIR } from '../../src/lab/loadLab.ts';
import { startLab } from '../../src/lab/startLab.ts';
import type { LabInstance } from '../../src/lab/types.ts';
import { runLessons } from '../../src/lessons/runLessons.ts';
import { formatSummary } from '../../src/lessons/report.ts';

const PREFIX = 'pbp';
const LESSONS = join(PROJECT_DIR, 'test/fixtures/lessons/shipyard');
const LAB = join(PROJECT_DIR, 'test/fixtures/labs/ported');
/** The lesson files as `patchbay test` shows them (relative to the project, where it runs). */
const COPIED = relative(PROJECT_DIR, join(LESSONS, 'copied.mdx'));

describe('a Shipyard lesson copied unchanged', () => {
  it('gets every conversion it still needs from one `patchbay test` run, each at its line, before any lab starts', async () => {
    const run = promisify(execFile)(process.execPath, [join(PROJECT_DIR, 'bin/patchbay.mjs'), 'test', '--offline', '--no-color', COPIED], { cwd: PROJECT_DIR });
    const result = (await run.then(() => null, (e: unknown) => e)) as { code: number; stdout: string } | null;
    expect(result?.code).toBe(1);
    const failures = result!.stdout.split('\n').filter((l) => l.startsWith(`      ${COPIED}:`)).map((l) => l.trim());
    expect(failures).toEqual([
      `${COPIED}:10:3: terminal "tools" targets host "tools.container.shipyard.run", which the lab does not have (did you mean "tools"? Or keep the name: add \`aliases: [tools.container.shipyard.run]\` to host tools in lab.yaml)`,
      `${COPIED}:11:3: terminal "web" targets host "web.container.shipyard.run", which the lab does not have; known: tools, ingress, api, payments, prometheus`,
      `${COPIED}:19:1: image "./images/requests_1.png" not found: there is no ${relative(PROJECT_DIR, LESSONS)}/images/requests_1.png`,
      `${COPIED}:31:1: <Browser> is not a component of this site; lessons use <TerminalVisor>, <Terminal>, <TerminalRunCommand>, <Command>, <Challenge>, <MetricsGraph>, <Task>, <WebTab>, <Dashboard>, or import a component with \`import Browser from '…'\``,
      `${COPIED}:36:1: image "./images/requests_2.jpg" not found: there is no ${relative(PROJECT_DIR, LESSONS)}/images/requests_2.jpg`,
    ]);
    expect(result!.stdout).not.toContain('starting a fresh');
  });

  it('is accepted, targets and all, by a lab that declares the Shipyard names as aliases; only what has no counterpart is left', async () => {
    const report = await runLessons({ files: [join(LESSONS, 'copied.mdx')], lab: LAB, offline: true, prefix: PREFIX });
    const labels = report.lessons.flatMap((l) => l.steps).filter((s) => s.status === 'fail').map((s) => `${s.at?.line} ${s.label}`);
    expect(labels).toEqual(['19 reference: missing-image', '31 reference: unknown-component', '36 reference: missing-image']);
  });
});

describe('the converted lesson against a lab with host aliases', () => {
  let instance: LabInstance | undefined;
  let runtimeDir: string;

  beforeAll(async () => {
    runtimeDir = mkdtempSync(join(tmpdir(), `${PREFIX}-rt-`));
    const r = await startLab({ lab: LAB, prefix: PREFIX, runtimeDir });
    if (!r.ok) throw new Error(`lab did not start: ${r.message}`);
    instance = r.instance;
    const ready = await instance.ready();
    if (!ready.ok) throw new Error(`lab not ready: ${ready.message}`);
  }, 60_000);

  afterAll(async () => {
    await instance?.stop();
    rmSync(runtimeDir, { recursive: true, force: true });
  });

  it('opens its terminals by their Shipyard targets and runs every command, the alias names resolving inside the lab', async () => {
    const report = await runLessons({ files: [join(LESSONS, 'converted.mdx')], lab: LAB, prefix: PREFIX, instance: instance! });
    const steps = report.lessons.flatMap((l) => l.steps);
    expect(steps.filter((s) => s.status !== 'pass'), formatSummary(report, { color: false })).toEqual([]);
    // `curl web.container.shipyard.run:…` resolves inside the lab; `test "$(hostname)" = web` passes only in a shell on host web.
    expect(steps.map((s) => s.label)).toEqual(
      expect.arrayContaining(['[tools] $ curl -s web.container.shipyard.run:8080/metrics', '[tools] $ hostname', '[web] $ test "$(hostname)" = web']),
    );
  }, 120_000);

  it('gives the same host for an alias as for its name, and the other names of the lab with an unknown one', () => {
    const byAlias = instance!.spawnSpecFor('tools.container.shipyard.run');
    const byName = instance!.spawnSpecFor('tools');
    expect(byAlias.ok && byName.ok && byAlias.spec.host).toBe('tools');
    expect(byAlias.ok && byName.ok && byAlias.spec.args).toEqual(byName.ok ? byName.spec.args : null);
    expect(instance!.spawnSpecFor('api.container.shipyard.run')).toEqual({
      ok: false,
      code: 'PB_UNKNOWN_TARGET',
      message: 'No host "api.container.shipyard.run" in lab ported; its hosts are: tools, web, prom',
    });
  });
});
