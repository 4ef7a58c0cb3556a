/** The load generator as a real process against a real server: fortio-style output, Code -1, JSON. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, runProgram, Upstream } from './helpers.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('load', () => {
  it('prints requested and achieved qps, percentiles, codes and sockets, keeping one connection per client', async () => {
    const up = new Upstream();
    const port = await up.listen();
    cleanups.push(() => up.close());
    const dir = mkdtempSync(join(tmpdir(), 'pbd-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const out = await runProgram('load', ['-c', '4', '-qps', '200', '-n', '40', '-json', join(dir, 'r.json'), `http://127.0.0.1:${port}/x`]);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^Requested qps: 200, achieved qps: [\d.]+$/m);
    for (const p of ['50', '75', '90', '99', '99.9']) expect(out.stdout).toMatch(new RegExp(`^# target ${p.replace('.', '\\.')}% [\\d.e-]+$`, 'm'));
    expect(out.stdout).toContain('# range, mid point, percentile, count');
    expect(out.stdout).toContain('Code 200 : 40 (100.0 %)');
    expect(out.stdout).toContain('Sockets used: 4 (for perfect keepalive, would be 4)');
    expect(up.connections).toBe(4);
    expect(up.requests).toBe(40);
    const json = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as { RetCodes: Record<string, number>; SocketCount: number; DurationHistogram: { Count: number; Percentiles: unknown[] } };
    expect(json.RetCodes).toEqual({ '200': 40 });
    expect(json.SocketCount).toBe(4);
    expect(json.DurationHistogram.Count).toBe(40);
    expect(json.DurationHistogram.Percentiles).toHaveLength(5);
  });

  it('opens a connection per call with -keepalive=false, as fortio does', async () => {
    const up = new Upstream();
    const port = await up.listen();
    cleanups.push(() => up.close());
    const out = await runProgram('load', ['-c', '2', '-qps=0', '-n', '10', '-keepalive=false', `http://127.0.0.1:${port}/`]);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('Code 200 : 10 (100.0 %)');
    expect(out.stdout).toContain('Sockets used: 10 (for perfect keepalive, would be 2)');
    expect(up.connections).toBe(10);
  });

  it('reports socket errors as Code -1 and still exits 0', async () => {
    const port = await freePort(); // nothing listens here
    const out = await runProgram('load', ['-c', '2', '-qps', '0', '-n', '6', `http://127.0.0.1:${port}/`]);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('Code -1 : 6 (100.0 %)');
  });

  it('rejects an unknown flag with usage and exit 1', async () => {
    const out = await runProgram('load', ['-z', 'http://127.0.0.1:1/']);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('unknown flag -z');
    expect(out.stderr).toContain('Usage: load');
  });
});
