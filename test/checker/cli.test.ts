/** `patchbay check` as a user runs it: exit codes, the caret for syntax errors, hints, JSON output. */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CheckResponse } from '../../src/protocol/challenges.ts';
import { TEST_PREFIX } from './offline.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PREFIX = `${TEST_PREFIX}-cli-${process.pid}`;

function patchbay(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'bin/patchbay.mjs'), ...args], { cwd: ROOT, env: { ...process.env, PATCHBAY_OFFLINE_PREFIX: PREFIX }, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('patchbay check', () => {
  it('prints help and exits 0; exits 2 on usage errors and unknown challenges', async () => {
    const help = await patchbay(['check', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: patchbay check CHALLENGE --query QUERY/);
    expect((await patchbay(['check', 'api-active-connections'])).code).toBe(2);
    expect((await patchbay(['check', '--query', 'x'])).code).toBe(2);
    const unknown = await patchbay(['check', 'no-such-challenge', '--offline', '-q', 'x']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no challenge no-such-challenge in connections; known: api-active-connections/);
    const typo = await patchbay(['check', 'api-active-conections', '--offline', '-q', 'x']);
    expect({ code: typo.code, stderr: typo.stderr }).toEqual({ code: 2, stderr: 'patchbay check: no challenge api-active-conections in connections; did you mean api-active-connections?\n' });
    // Usage errors are one line, not the help.
    const noQuery = await patchbay(['check', 'api-active-connections']);
    expect(noQuery.stderr).toBe('patchbay check: --query is required (see `patchbay check --help`)\n');
    expect((await patchbay(['check', 'x', '--qurey', 'y'])).stderr).toBe('patchbay check: unknown option --qurey; did you mean --query? (see `patchbay check --help`)\n');
  });

  it('shows a syntax error with a caret and exits 1', async () => {
    const query = 'sum(envoy_listener_downstream_cx_active{job="api"}';
    const r = await patchbay(['check', 'api-active-connections', '--offline', '-q', query]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAIL  api-active-connections');
    // The caret sits just past the end, where the closing parenthesis is missing.
    expect(r.stdout).toContain(`    ${query}\n    ${' '.repeat(query.length)}^\n`);
  });

  it('passes the reference offline (exit 0) and fails a wrong answer with its hint (exit 1, JSON)', async () => {
    const pass = await patchbay(['check', 'ingress-request-rate', '--offline', '-q', 'sum(rate(envoy_http_downstream_rq_total{envoy_http_conn_manager_prefix="ingress"}[$__rate_interval]))']);
    expect(pass.code).toBe(0);
    expect(pass.stdout).toMatch(/^PASS  ingress-request-rate/);
    const fail = await patchbay(['check', 'ingress-request-rate', '--offline', '--json', '-q', 'sum(rate(envoy_http_downstream_rq_total[1m]))']);
    expect(fail.code).toBe(1);
    const body = JSON.parse(fail.stdout) as CheckResponse;
    expect(body.passed).toBe(false);
    expect(body.hints.map((h) => h.id)).toContain('label-filter');
    // The temporary Prometheus and its directory are gone.
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith(PREFIX))).toEqual([]);
  });
});
