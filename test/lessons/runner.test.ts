/**
 * Lesson validation end to end on small temporary lessons: reference errors (no lab needed), then
 * commands, terminals, challenges and graphs against one real connections lab instance (prefix pbh).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startLab } from '../../src/lab/startLab.ts';
import type { LabInstance } from '../../src/lab/types.ts';
import { runLessons } from '../../src/lessons/runLessons.ts';
import { formatSummary, reportFailed, type RunReport, type StepResult } from '../../src/lessons/report.ts';
import { PROJECT_DIR } from '../../src/lab/loadLab.ts';

const LAB = 'connections';
const PREFIX = 'pbh';
let lessonsDir: string;

function lesson(name: string, body: string): string {
  const file = join(lessonsDir, name);
  writeFileSync(file, body);
  return file;
}

const VISOR = `<TerminalVisor>
  <Terminal target="tools" shell="/bin/bash" workdir="/root" user="root" id="tools" name="Tools"/>
</TerminalVisor>
`;

function steps(report: RunReport): StepResult[] {
  return report.lessons.flatMap((l) => l.steps);
}

function failures(report: RunReport): StepResult[] {
  return steps(report).filter((s) => s.status === 'fail');
}

beforeAll(() => {
  lessonsDir = mkdtempSync(join(tmpdir(), 'pbh-lessons-'));
});

afterAll(() => {
  rmSync(lessonsDir, { recursive: true, force: true });
});

describe('reference errors (no lab)', () => {
  it('fails a terminal whose target is no host of the lab, at its line', async () => {
    const file = lesson('wrong-target.mdx', `# Wrong target\n\n<TerminalVisor>\n  <Terminal target="toolz" id="tools"/>\n</TerminalVisor>\n`);
    const report = await runLessons({ files: [file], lab: LAB, offline: true, prefix: PREFIX });
    expect(reportFailed(report)).toBe(true);
    expect(failures(report).map((f) => f.reasons?.[0])).toEqual([`${file}:4:3: terminal "tools" targets host "toolz", which the lab does not have (did you mean "tools"?)`]);
  });

  it('fails a run-command that names no declared terminal, and an unknown challenge, each at its line', async () => {
    const file = lesson(
      'broken-refs.mdx',
      `# Broken\n\n${VISOR}\n<TerminalRunCommand target="api">\n  <Command>curl -s api:19000/ready</Command>\n</TerminalRunCommand>\n\n<Challenge id="no-such-challenge"/>\n`,
    );
    const report = await runLessons({ files: [file], lab: LAB, offline: true, prefix: PREFIX });
    const where = failures(report).map((f) => `${f.at?.line}:${f.label}`);
    expect(where).toEqual(['8:reference: unknown-terminal', '11:reference: unknown-challenge']);
  });

  it('fails a graph whose query does not parse, at its line', async () => {
    const file = lesson('bad-graph.mdx', `# Graph\n\n<MetricsGraph query="rate(envoy_listener_downstream_cx_total[1m]" title="t"/>\n`);
    const report = await runLessons({ files: [file], lab: LAB, offline: true, prefix: PREFIX });
    expect(failures(report).map((f) => [f.at?.line, f.label])).toEqual([[3, 'reference: bad-query']]);
  });

  it('asserts a challenge against the offline fixture when there is no lab', async () => {
    const file = lesson('offline-challenge.mdx', `# Offline\n\n<Challenge id="circuit-breaker-open"/>\n`);
    const report = await runLessons({ files: [file], lab: LAB, offline: true, prefix: PREFIX });
    const step = steps(report).find((s) => s.label.startsWith('challenge'));
    expect(step?.status).toBe('pass');
    const labels = step?.checks?.map((c) => c.label.split(':')[0]) ?? [];
    expect(labels).toEqual(expect.arrayContaining(['reference passes', 'empty answer fails', 'mutant']));
  });

  it('makes `patchbay test` exit 1 with the file and line in its output', async () => {
    const file = lesson('cli.mdx', `# CLI\n\n<Challenge id="no-such-challenge"/>\n`);
    const run = promisify(execFile)(process.execPath, [join(PROJECT_DIR, 'bin/patchbay.mjs'), 'test', '--offline', '--no-color', file], { cwd: PROJECT_DIR });
    const err = (await run.then(() => null, (e: unknown) => e)) as { code: number; stdout: string } | null;
    expect(err?.code).toBe(1);
    expect(err?.stdout).toContain(`cli.mdx:3:1: challenge "no-such-challenge" is not defined by the lab`);
  });
});

describe('running lessons against a live connections lab', () => {
  let instance: LabInstance;
  let runtimeDir: string;

  beforeAll(async () => {
    runtimeDir = mkdtempSync(join(tmpdir(), 'pbh-run-'));
    const r = await startLab({ lab: LAB, prefix: PREFIX, runtimeDir });
    if (!r.ok) throw new Error(`lab did not start: ${r.message}`);
    instance = r.instance;
    const ready = await instance.ready();
    if (!ready.ok) throw new Error(`lab not ready: ${ready.message}`);
  });

  afterAll(async () => {
    await instance?.stop();
    rmSync(runtimeDir, { recursive: true, force: true });
  });

  const run = (file: string) => runLessons({ files: [file], lab: LAB, prefix: PREFIX, instance });

  it('passes a lesson whose commands succeed in the lab, keeping shell state between them', async () => {
    const file = lesson(
      'good.mdx',
      `# Good\n\n${VISOR}\n<TerminalRunCommand target="tools">\n  <Command>export PBH_URL=http://api:19000</Command>\n  <Command>curl -sf $PBH_URL/ready</Command>\n  <Command expectExit={22}>curl -sf $PBH_URL/no-such-endpoint</Command>\n</TerminalRunCommand>\n`,
    );
    const report = await run(file);
    expect(formatSummary(report, { color: false })).toContain('0 failed');
    expect(steps(report).map((s) => s.status)).toEqual(['pass', 'pass', 'pass', 'pass']);
  });

  it('fails a broken command at its line with the terminal output, and skips the commands after it', async () => {
    const file = lesson(
      'broken-command.mdx',
      `# Broken command\n\n${VISOR}\n<TerminalRunCommand target="tools">\n  <Command>curl -s api:19000/ready</Command>\n  <Command>jq .nope /pbh/does/not/exist.json</Command>\n  <Command>curl -s api:19000/ready</Command>\n</TerminalRunCommand>\n`,
    );
    const report = await run(file);
    const [failed] = failures(report);
    expect(failed?.at).toEqual({ file, line: 9, column: 3 });
    expect(failed?.reasons).toEqual(['exited with status 2']);
    expect(failed?.lastLines?.join('\n')).toContain('/pbh/does/not/exist.json');
    expect(steps(report).at(-1)?.status).toBe('skip');
  });

  it('fails a command marked expectFail that succeeds', async () => {
    const file = lesson('expect-fail.mdx', `# Expect fail\n\n${VISOR}\n<TerminalRunCommand target="tools">\n  <Command expectFail>true</Command>\n</TerminalRunCommand>\n`);
    const [failed] = failures(await run(file));
    expect(failed?.at?.line).toBe(8);
    expect(failed?.reasons?.[0]).toMatch(/expected to fail/);
  });

  it('fails a command that does not finish within its timeout, and interrupts it', async () => {
    const file = lesson('timeout.mdx', `# Timeout\n\n${VISOR}\n<TerminalRunCommand target="tools">\n  <Command timeout={1}>sleep 300</Command>\n</TerminalRunCommand>\n`);
    const [failed] = failures(await run(file));
    expect(failed?.at?.line).toBe(8);
    expect(failed?.reasons).toEqual(['did not finish within 1 s (interrupted with Ctrl-C)']);
  });

  it('fails a terminal the lab refuses (a user its policy does not allow), at the terminal line', async () => {
    const file = lesson(
      'refused.mdx',
      `# Refused\n\n<TerminalVisor>\n  <Terminal target="tools" user="nobody" id="tools"/>\n</TerminalVisor>\n\n<TerminalRunCommand target="tools">\n  <Command>true</Command>\n</TerminalRunCommand>\n`,
    );
    const f = failures(await run(file));
    expect(f.map((s) => s.at?.line)).toEqual([4, 8]);
    expect(f[0]?.reasons?.[0]).toMatch(/^PB_TARGET_REFUSED: user "nobody" is not allowed/);
  });

  it('fails a graph that shows no data while the lesson runs', async () => {
    const file = lesson('empty-graph.mdx', `# Graph\n\n<MetricsGraph query="pbh_no_such_metric_total" title="Nothing"/>\n\n<MetricsGraph query="up" title="Targets"/>\n`);
    const s = steps(await run(file));
    expect(s.map((x) => [x.at?.line, x.status])).toEqual([[3, 'fail'], [5, 'pass']]);
    expect(s[0]?.reasons).toEqual(['the graph shows no data while the lesson runs']);
  });
});
