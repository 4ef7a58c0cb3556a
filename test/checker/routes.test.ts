/**
 * The challenge API through the real gateway (A's createGateway, via test/helpers/gateway.ts), checking
 * against a real Prometheus on the offline fixture; progress in a temp dir that outlives the gateway.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChallengeDetail, ChallengeListResponse, CheckResponse, ProgressResponse } from '../../src/protocol/challenges.ts';
import { checkPath, challengePath, revealPath, CHALLENGES_PATH, PROGRESS_PATH } from '../../src/protocol/challenges.ts';
import { ProgressStore } from '../../src/server/progressStore.ts';
import { offlineWindow } from '../../src/checker/checkAnswer.ts';
import type { PrometheusClient, RangeWindow } from '../../src/checker/prometheusClient.ts';
import { challengeRoutes } from '../../src/server/routes/challenges.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { startOfflineLab, TEST_PREFIX, windowWithout, type OfflineLab } from './offline.ts';

let lab: OfflineLab;
let dataDir: string;
let gw: TestGateway;
let labUp = true;
/** A stretch of the fixture for checks to evaluate over instead of the offline window. */
let windowOverride: RangeWindow | null = null;

/** The gateway's secrets on disk, so a restart on the same port keeps the session (as `patchbay serve` does). */
let authDir = '';

async function gateway(port = 0): Promise<TestGateway> {
  return startGateway({
    port,
    auth: { dir: authDir },
    routes: challengeRoutes({
      set: lab.set,
      prometheus: (): PrometheusClient | null => (labUp ? lab.prometheus.client : null),
      progress: new ProgressStore(dataDir),
      window: () => windowOverride ?? offlineWindow(lab.set),
    }),
  });
}

beforeAll(async () => {
  lab = await startOfflineLab();
  dataDir = mkdtempSync(path.join(tmpdir(), `${TEST_PREFIX}-routes-`));
  authDir = mkdtempSync(path.join(tmpdir(), `${TEST_PREFIX}-routes-auth-`));
  gw = await gateway();
});
afterAll(async () => {
  await gw?.close();
  await lab?.prometheus.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (authDir) rmSync(authDir, { recursive: true, force: true });
});

async function api<T>(method: 'GET' | 'POST', p: string, body?: unknown, cookie = gw.cookie): Promise<{ status: number; body: T }> {
  const res = await fetch(`${gw.url}${p}`, {
    method,
    headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

const ID = 'api-destroyed-connections-rate';

describe('challenge API', () => {
  it('lists the lab challenges with their lesson and whether this session passed them', async () => {
    const { status, body } = await api<ChallengeListResponse>('GET', CHALLENGES_PATH);
    expect(status).toBe(200);
    expect(body.lab).toBe('connections');
    expect(body.scrapeIntervalSeconds).toBe(lab.set.scrapeInterval);
    expect(body.challenges.length).toBe(lab.set.ids.length);
    expect(body.challenges[0]).toMatchObject({ id: 'api-active-connections', lesson: 'connection-metrics', passed: false });
  });

  it('shows a challenge without its reference, and refuses to reveal it before a try', async () => {
    const cookie = await gw.newCookie();
    const detail = await api<ChallengeDetail>('GET', challengePath(ID), undefined, cookie);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ id: ID, scrapeIntervalSeconds: 2, rangePolicy: 'exact', revealable: false });
    expect(detail.body.prompt).toContain('$__rate_interval');
    expect(detail.body.reference).toBeUndefined();
    const reveal = await api<{ code: string; statusCode: number }>('POST', revealPath(ID), undefined, cookie);
    expect(reveal.status).toBe(409);
    expect(reveal.body.code).toBe('PB_REVEAL_LOCKED');
  });

  it('checks a wrong answer with hints and series, then allows the reveal', async () => {
    const cookie = await gw.newCookie();
    const wrong = await api<CheckResponse>('POST', checkPath(ID), { query: 'sum(irate(envoy_listener_downstream_cx_destroy{job="api", envoy_listener_address=~".*_20000"}[$__rate_interval]))' }, cookie);
    expect(wrong.status).toBe(200);
    expect(wrong.body).toMatchObject({ challengeId: ID, passed: false, revealable: true });
    expect(wrong.body.hints.map((h) => h.id), JSON.stringify(wrong.body.error)).toContain('irate-instead-of-rate');
    expect(wrong.body.normalizedQuery).toContain('[12s]');
    expect(wrong.body.answer!.timestamps.length).toBe(wrong.body.expected!.timestamps.length);
    expect(wrong.body.expected!.series[0]!.values.length).toBe(wrong.body.expected!.timestamps.length);
    const reveal = await api<{ reference: string }>('POST', revealPath(ID), undefined, cookie);
    expect(reveal.status).toBe(200);
    expect(reveal.body.reference).toBe(lab.set.byId.get(ID)!.reference);
    const detail = await api<ChallengeDetail>('GET', challengePath(ID), undefined, cookie);
    expect(detail.body.reference).toBe(lab.set.byId.get(ID)!.reference);
  });

  it("does not count a check the lab has no data for as an attempt, and says what to run", async () => {
    const id = 'pending-overflow-rate';
    const c = lab.set.byId.get(id)!;
    windowOverride = await windowWithout(lab.target, c.needs!.query, 60);
    try {
      const cookie = await gw.newCookie();
      const r = await api<CheckResponse>('POST', checkPath(id), { query: c.mustFail.find((f) => f.hint === 'wrong-metric')!.query }, cookie);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ passed: false, revealable: false, error: { kind: 'needs-data', message: c.needs!.message } });
      const progress = await api<ProgressResponse>('GET', PROGRESS_PATH, undefined, cookie);
      expect(progress.body.challenges[id]).toBeUndefined();
      expect((await api('POST', revealPath(id), undefined, cookie)).status).toBe(409);
      const detail = await api<ChallengeDetail>('GET', challengePath(id), undefined, cookie);
      expect(detail.body).toMatchObject({ revealable: false, passed: false });
      expect(detail.body.reference).toBeUndefined();
      // The reference as written is right whatever the data, so it passes (and counts) even then.
      const right = await api<CheckResponse>('POST', checkPath(id), { query: c.reference }, cookie);
      expect(right.body).toMatchObject({ passed: true, sameText: true });
      expect((await api<ProgressResponse>('GET', PROGRESS_PATH, undefined, cookie)).body.challenges[id]).toMatchObject({ passed: true, attempts: 1 });
    } finally {
      windowOverride = null;
    }
  });

  it('gives a syntax error its position and caret', async () => {
    const r = await api<CheckResponse>('POST', checkPath(ID), { query: 'sum(rate(x[1m])' });
    expect(r.body.passed).toBe(false);
    expect(r.body.error).toMatchObject({ kind: 'syntax', position: { line: 1, column: 16 } });
    expect(r.body.error!.caret).toBe('sum(rate(x[1m])\n               ^');
  });

  it('records a pass in progress, which survives a gateway restart', async () => {
    const pass = await api<CheckResponse>('POST', checkPath(ID), { query: lab.set.byId.get(ID)!.mustPass[0] });
    expect(pass.body.passed).toBe(true);
    const before = await api<ProgressResponse>('GET', PROGRESS_PATH);
    expect(before.body.challenges[ID]).toMatchObject({ passed: true, revealed: false });
    expect(before.body.challenges[ID]!.passedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    const cookie = gw.cookie;
    const port = gw.gateway.port;
    await gw.close();
    gw = await gateway(port);
    const after = await api<ProgressResponse>('GET', PROGRESS_PATH, undefined, cookie);
    expect(after.body.challenges[ID]).toEqual(before.body.challenges[ID]);
    const list = await api<ChallengeListResponse>('GET', CHALLENGES_PATH, undefined, cookie);
    expect(list.body.challenges.find((c) => c.id === ID)?.passed).toBe(true);
    gw.cookie = cookie;
  });

  it('answers unknown challenges, bad bodies and a stopped lab with the API error shape', async () => {
    const unknown = await api<{ code: string }>('POST', checkPath('nope'), { query: 'x' });
    expect(unknown).toMatchObject({ status: 404, body: { code: 'PB_UNKNOWN_CHALLENGE' } });
    const noQuery = await api<{ code: string }>('POST', checkPath(ID), { q: 'x' });
    expect(noQuery).toMatchObject({ status: 400, body: { code: 'PB_BAD_REQUEST' } });
    const notJson = await api<{ code: string }>('POST', checkPath(ID), '{nope');
    expect(notJson).toMatchObject({ status: 400, body: { code: 'PB_BAD_REQUEST' } });
    const tooBig = await api<{ code: string }>('POST', checkPath(ID), { query: 'x'.repeat(20_000) });
    expect(tooBig).toMatchObject({ status: 413, body: { code: 'PB_PAYLOAD_TOO_LARGE' } });
    labUp = false;
    try {
      const down = await api<{ code: string }>('POST', checkPath(ID), { query: 'x' });
      expect(down).toMatchObject({ status: 503, body: { code: 'PB_LAB_NOT_READY' } });
    } finally {
      labUp = true;
    }
  });

  it('limits the checks one session runs at once, and not other sessions', async () => {
    const cookie = await gw.newCookie();
    const slow = 'max_over_time(sum by (job) ({__name__=~"envoy_.*"})[10m:2s])';
    const burst = await Promise.all(Array.from({ length: 4 }, () => api<{ code?: string; passed?: boolean }>('POST', checkPath(ID), { query: slow }, cookie)));
    const statuses = burst.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(2);
    expect(burst.filter((r) => r.status === 429).every((r) => r.body.code === 'PB_TOO_MANY_CHECKS')).toBe(true);
    const other = await api<CheckResponse>('POST', checkPath(ID), { query: lab.set.byId.get(ID)!.reference });
    expect(other.body.passed).toBe(true);
  });

  it("passes Prometheus' API through for graphs and completion, only on allowed read paths", async () => {
    const names = await api<{ status: string; data: string[] }>('GET', '/api/prometheus/api/v1/label/__name__/values');
    expect(names.status).toBe(200);
    expect(names.body.data).toContain('envoy_listener_downstream_cx_active');
    const w = offlineWindow(lab.set);
    const range = await api<{ status: string; data: { result: unknown[] } }>('GET', `/api/prometheus/api/v1/query_range?${new URLSearchParams({ query: 'up{job="api"}', start: String(w.start), end: String(w.end), step: '10' })}`);
    expect(range.status).toBe(200);
    expect(range.body.data.result.length).toBeGreaterThan(0);
    const bad = await api<{ status: string; errorType: string }>('GET', '/api/prometheus/api/v1/query?query=sum(');
    expect(bad).toMatchObject({ status: 400, body: { errorType: 'bad_data' } });
    const refused = await api<{ code: string }>('GET', '/api/prometheus/api/v1/admin/tsdb/snapshot');
    expect(refused).toMatchObject({ status: 404, body: { code: 'PB_NOT_FOUND' } });
  });
});
