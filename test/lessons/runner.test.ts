/**
 * Lesson validation end to end on small temporary lessons: reference errors (no lab needed), then
 * commands, terminals, challenges and graphs against one real connections lab instance (prefix pbxr).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { startLab } from '../../src/lab/startLab.ts';
import type { LabInstance } from '../../src/lab/types.ts';
import { runLessons } from '../../src/lessons/runLessons.ts';
import { formatSummary, reportFailed, type RunReport, type StepResult } from '../../src/lessons/report.ts';
import { PROJECT_DIR } from '../../src/lab/loadLab.ts';

const LAB = 'connections';
/** This file's own prefix: each runLessons call removes its prefix's stale leftovers (src/lessons/staleLeftovers.ts). */
const PREFIX = 'pbxr';
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
  lessonsDir = mkdtempSync(join(tmpdir(), `${PREFIX}-lessons-`));
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

  it('starts no lab when a reference error has decided the run, and reports the other lessons as not run', async () => {
    const broken = lesson('not-run-broken.mdx', `# Broken\n\n<Challenge id="no-such-challenge"/>\n`);
    const good = lesson('not-run-good.mdx', `# Good\n\n${VISOR}\n<TerminalRunCommand target="tools">\n  <Command>true</Command>\n</TerminalRunCommand>\n`);
    // Not offline, no instance given: before, this started a fresh lab and ran the good lesson.
    const report = await runLessons({ files: [broken, good], lab: LAB, prefix: PREFIX });
    // No lab was started: starting one is the run's first setup step, and there is none.
    expect(report.setup).toEqual([]);
    expect(report.lessons.map((l) => [l.title, l.notRun])).toEqual([
      ['Broken', 'its references do not resolve'],
      ['Good', `${broken} has reference errors, so no lab was started`],
    ]);
    expect(reportFailed(report)).toBe(true);
    const summary = formatSummary(report, { color: false });
    expect(summary).toContain('2 lessons: 0 passed, 1 failed, 1 not run; steps: 0 passed, 1 failed, 0 skipped');
    expect(summary).not.toMatch(/[1-9]\d* passed, /);
  });

  it('points a challenge whose reference is wrong at its line of challenges.yaml', async () => {
    // A copy of the lab whose circuit-breaker-open reference selects a cluster the lab does not have.
    const labDir = join(mkdtempSync(join(tmpdir(), `${PREFIX}-lab-`)), 'connections');
    cpSync(join(PROJECT_DIR, 'labs', LAB), labDir, { recursive: true });
    try {
      const file = join(labDir, 'challenges.yaml');
      const wrong = 'reference: envoy_cluster_circuit_breakers_default_cx_open{envoy_cluster_name="pbh-no-such-cluster"}';
      const text = readFileSync(file, 'utf8').replace('reference: envoy_cluster_circuit_breakers_default_cx_open{envoy_cluster_name="api"}', wrong);
      writeFileSync(file, text);
      const line = text.split('\n').findIndex((l) => l.includes(wrong)) + 1;
      const column = text.split('\n')[line - 1]!.indexOf('envoy_') + 1;
      const mdx = lesson('wrong-reference.mdx', `# Wrong reference\n\n<Challenge id="circuit-breaker-open"/>\n`);
      const report = await runLessons({ files: [mdx], lab: labDir, offline: true, prefix: PREFIX });
      const step = steps(report).find((s) => s.label.startsWith('challenge'));
      expect(step?.status).toBe('fail');
      const shown = relative(process.cwd(), file);
      expect(step?.checks?.filter((c) => !c.ok)).toEqual([
        { ok: false, label: 'the reference returns no data in the lab', detail: 'every answer that returns nothing would pass', at: { file: shown, line, column } },
      ]);
      expect(formatSummary(report, { color: false })).toContain(`${shown}:${line}:${column}: challenge circuit-breaker-open (offline fixture) — the reference returns no data in the lab`);
    } finally {
      rmSync(dirname(labDir), { recursive: true, force: true });
    }
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
    runtimeDir = mkdtempSync(join(tmpdir(), `${PREFIX}-run-`));
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

  it('skips a challenge after a failed command at once, naming the command, instead of waiting for its data', async () => {
    const file = lesson(
      'failed-then-challenge.mdx',
      `# Failed\n\n${VISOR}\n<TerminalRunCommand target="tools">\n  <Command>curl -sf http://api:19000/pbh-no-such-endpoint</Command>\n</TerminalRunCommand>\n\n<Challenge id="circuit-breaker-open"/>\n`,
    );
    const started = performance.now();
    const s = steps(await run(file));
    expect(s.map((x) => [x.at?.line, x.status])).toEqual([[4, 'pass'], [8, 'fail'], [11, 'skip']]);
    expect(s[2]?.reasons).toEqual([`not checked: its data comes from the lesson's commands, and the one at ${file}:8:3 failed`]);
    expect(performance.now() - started).toBeLessThan(20_000);
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
    expect(s[0]?.reasons).toEqual(['the graph shows no data over its last 300 s']);
  });

  it('evaluates a graph with the request the browser makes: its window, step and Grafana variables', async () => {
    const file = lesson(
      'browser-graph.mdx',
      [
        '# Graphs',
        '',
        '<MetricsGraph query="sum(rate(envoy_http_downstream_rq_total{service=\'ingress\'}[$__rate_interval]))" title="Rate"/>',
        '',
        // The page's $__range is the graph's window, its $__interval the graph's step (10m / 150 points = 4 s).
        '<MetricsGraph query="vector($__range_s) == 600 and vector($__interval_ms) == 4000" title="Timing" window="10m"/>',
        '',
        '<MetricsGraph query="vector($__interval_ms) == 15000" title="Own step" window="10m" step="15s"/>',
        '',
      ].join('\n'),
    );
    const s = steps(await run(file));
    expect(s.map((x) => [x.at?.line, x.status])).toEqual([[3, 'pass'], [5, 'pass'], [7, 'pass']]);
  });

  it('fails a pipeline whose first stage fails, though its last stage succeeds, unless the command allows it', async () => {
    const file = lesson(
      'pipeline.mdx',
      [
        '# Pipelines',
        '',
        VISOR,
        '<TerminalRunCommand target="tools">',
        // `yes` is killed by SIGPIPE once head has its line: 141, on purpose.
        '  <Command allowPipeFailure>yes | head -1</Command>',
        '  <Command>curl -sf http://api:19000/pbh-no-such-endpoint | cat</Command>',
        '</TerminalRunCommand>',
        '',
      ].join('\n'),
    );
    const s = steps(await run(file));
    expect(s.map((x) => [x.at?.line, x.status])).toEqual([[4, 'pass'], [8, 'pass'], [9, 'fail']]);
    expect(s[2]?.reasons?.[0]).toMatch(/^pipeline stage 1 of 2 exited with status 22 /);
  });

  it('fails a block after which typing at the prompt no longer shows, says so, and skips what depends on it', async () => {
    const file = lesson(
      'no-echo.mdx',
      [
        '# No echo',
        '',
        VISOR,
        '<TerminalRunCommand target="tools">',
        '  <Command>true</Command>',
        // Echo off as readline sets up to read: the shell's own restoring of modes runs before PS1.
        `  <Command>{\`PS1='$(stty -echo)$ '\`}</Command>`,
        '</TerminalRunCommand>',
        '',
        '<TerminalRunCommand target="tools">',
        '  <Command>true</Command>',
        '</TerminalRunCommand>',
        '',
        '<Challenge id="api-active-connections"/>',
        '',
      ].join('\n'),
    );
    const started = performance.now();
    const s = steps(await run(file));
    expect(s.map((x) => [x.at?.line, x.status])).toEqual([[4, 'pass'], [8, 'pass'], [9, 'pass'], [9, 'fail'], [13, 'skip'], [16, 'skip']]);
    expect(s[3]?.reasons?.[0]).toMatch(/^typing at the prompt no longer shows/);
    // The challenge is skipped at once, naming the failure, instead of waiting for a minute of data.
    expect(s[5]?.reasons).toEqual([`not checked: its data comes from the lesson's commands, and the one at ${file}:9:3 failed`]);
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  it('fails a block that leaves output before the prompt, on the prompt\'s line', async () => {
    const file = lesson('garbled-prompt.mdx', `# Garbled\n\n${VISOR}\n<TerminalRunCommand target="tools">\n  <Command>printf pbh-no-newline</Command>\n</TerminalRunCommand>\n`);
    const f = failures(await run(file));
    expect(f.map((x) => [x.at?.line, x.reasons?.[0]])).toEqual([[8, expect.stringContaining('"pbh-no-newline" stands before it')]]);
  });

  it('keeps typing echoed after lesson 3\'s load run: a background Node program that started while echo was off ends during another command', async () => {
    // `load` (Node) records the terminal's modes as it starts and writes them back when it exits, even in
    // the background. A learner reading between two blocks starts it while readline has echo off; here
    // `read -s` holds echo off as it starts, which does not depend on how fast the runner types. It ends
    // during the sleep, and bash takes the modes it finds then as its own; the prompt hook puts them back.
    const file = lesson(
      'background-load.mdx',
      [
        '# Background load',
        '',
        VISOR,
        '<TerminalRunCommand target="tools">',
        '  <Command>(sleep 0.5; exec load -c 1 -qps 5 -t 2s http://ingress:20000/ > /dev/null) &</Command>',
        '  <Command expectExit={142}>read -s -t 2 pbh_unused</Command>',
        '  <Command>sleep 4</Command>',
        '</TerminalRunCommand>',
        '',
        '<TerminalRunCommand target="tools">',
        '  <Command>wait</Command>',
        '</TerminalRunCommand>',
        '',
      ].join('\n'),
    );
    const report = await run(file);
    expect(failures(report)).toEqual([]);
    expect(steps(report).map((x) => x.status)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass']);
  });

  it('starts a command marked keepsRunning, lets it run, and stops it with Ctrl-C at the end of its block', async () => {
    const file = lesson(
      'keeps-running.mdx',
      [
        '# Keeps running',
        '',
        VISOR,
        '<TerminalRunCommand target="tools">',
        '  <Command>echo started</Command>',
        '  <Command keepsRunning>load -c 1 -qps 2 -t 10m http://ingress:20000/</Command>',
        '</TerminalRunCommand>',
        '',
        '<TerminalRunCommand target="tools">',
        '  <Command>curl -sf http://api:19000/ready</Command>',
        '</TerminalRunCommand>',
        '',
      ].join('\n'),
    );
    const started = performance.now();
    const s = steps(await run(file));
    expect(s.map((x) => [x.at?.line, x.status])).toEqual([[4, 'pass'], [8, 'pass'], [9, 'pass'], [13, 'pass']]);
    expect(s[2]?.label).toMatch(/kept running, stopped with Ctrl-C/);
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  it('fails a keepsRunning command that fails at once, though it printed before its prompt mark came', async () => {
    // tail's error and the shell's mark often share an output frame; the second command puts 100 ms
    // between them, as a busy machine may.
    for (const [i, command] of ['tail -f /nonexistent', '(tail -f /nonexistent; sleep 0.1; exit 1)'].entries()) {
      const file = lesson(
        `keeps-running-fails-${i}.mdx`,
        [
          '# Keeps running, but fails',
          '',
          VISOR,
          '<TerminalRunCommand target="tools">',
          `  <Command keepsRunning>${command}</Command>`,
          '</TerminalRunCommand>',
          '',
          '<TerminalRunCommand target="tools">',
          '  <Command>true</Command>',
          '</TerminalRunCommand>',
          '',
        ].join('\n'),
      );
      const s = steps(await run(file));
      expect(s.map((x) => [x.at?.line, x.status])).toEqual([[4, 'pass'], [8, 'fail'], [12, 'skip']]);
      expect(s[1]?.label).not.toMatch(/kept running/);
      expect(s[1]?.reasons?.[0]).toMatch(/before the end of its block/);
    }
    // That a command after such a one is judged by its own mark: src/lessons/lessonTerminal.test.ts, in one shell.
  });
});
