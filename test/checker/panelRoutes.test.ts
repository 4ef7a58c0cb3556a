/**
 * The panel check route through the real gateway, against a real Prometheus serving the offline fixture:
 * the same attempt, pass and reveal accounting as a query check, and a check the lab never graded is no attempt.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { challengePath, checkPath, revealPath, PROGRESS_PATH, type ChallengeDetail, type ProgressResponse, type RevealResponse } from '../../src/protocol/challenges.ts';
import { panelCheckPath, type PanelCheckResponse, type PanelReveal } from '../../src/protocol/panelChallenges.ts';
import type { Panel } from '../../src/protocol/dashboard.ts';
import { offlineWindow } from '../../src/checker/checkAnswer.ts';
import { PrometheusClient } from '../../src/checker/prometheusClient.ts';
import { referencePanel } from '../../src/checker/checkPanel.ts';
import { ProgressStore } from '../../src/server/progressStore.ts';
import { challengeRoutes } from '../../src/server/routes/challenges.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { startOfflineLab, TEST_PREFIX, type OfflineLab } from './offline.ts';

const ID = 'api-connections-panel';
let lab: OfflineLab;
let dataDir: string;
let gw: TestGateway;
/** Checks go to this Prometheus: the fixture's, or one that does not answer. */
let prometheus: PrometheusClient;

beforeAll(async () => {
  lab = await startOfflineLab();
  prometheus = lab.prometheus.client;
  dataDir = mkdtempSync(path.join(tmpdir(), `${TEST_PREFIX}-panel-routes-`));
  gw = await startGateway({
    routes: challengeRoutes({ set: lab.set, prometheus: () => prometheus, progress: new ProgressStore(dataDir), window: () => offlineWindow(lab.set) }),
  });
});
afterAll(async () => {
  await gw?.close();
  await lab?.prometheus.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function api<T>(method: 'GET' | 'POST', p: string, body: unknown, cookie: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${gw.url}${p}`, {
    method,
    headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

function reference(): Panel {
  return referencePanel(lab.set.panelById.get(ID)!);
}

describe('panel check route', () => {
  it('grades a wrong panel per query, counts it, unlocks the reveal of the reference panel, then records a pass', async () => {
    const cookie = await gw.newCookie();
    const detail = await api<ChallengeDetail>('GET', challengePath(ID), undefined, cookie);
    expect(detail.body).toMatchObject({ id: ID, kind: 'panel', revealable: false });
    expect(detail.body.reference).toBeUndefined();

    const wrong = { ...reference(), queries: [reference().queries[0]!, { ...reference().queries[1]!, expr: 'envoy_listener_downstream_cx_active{job="api"}' }] };
    const r = await api<PanelCheckResponse>('POST', panelCheckPath(ID), { panel: wrong }, cookie);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ challengeId: ID, passed: false, revealable: true });
    expect(r.body.queries.map((q) => q.passed)).toEqual([true, false]);
    expect(r.body.queries[1]!.hints.map((h) => h.id)).toContain('label-filter');

    const reveal = await api<RevealResponse & PanelReveal>('POST', revealPath(ID), {}, cookie);
    expect(reveal.status).toBe(200);
    expect(reveal.body.panel).toEqual(reference());
    expect(reveal.body.reference).toContain('API connections');

    const pass = await api<PanelCheckResponse>('POST', panelCheckPath(ID), { panel: reference() }, cookie);
    expect(pass.body.passed).toBe(true);
    const progress = await api<ProgressResponse>('GET', PROGRESS_PATH, undefined, cookie);
    expect(progress.body.challenges[ID]).toMatchObject({ passed: true, attempts: 2, revealed: true });
  });

  it('refuses a query on the panel route, a panel on the query route, and a body that is not a panel', async () => {
    const cookie = await gw.newCookie();
    expect((await api<{ code: string }>('POST', checkPath(ID), { query: 'up' }, cookie)).body.code).toBe('PB_BAD_REQUEST');
    expect((await api<{ code: string }>('POST', panelCheckPath('api-active-connections'), { panel: reference() }, cookie)).body.code).toBe('PB_BAD_REQUEST');
    const tooMany = { ...reference(), queries: Array.from({ length: 9 }, (_, i) => ({ ...reference().queries[0]!, refId: String.fromCharCode(65 + i) })) };
    const bad = await api<{ code: string; message: string }>('POST', panelCheckPath(ID), { panel: tooMany }, cookie);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('at most 8');
    expect((await api<ProgressResponse>('GET', PROGRESS_PATH, undefined, cookie)).body.challenges[ID]).toBeUndefined();
  });

  it('does not count a panel the lab could not grade as an attempt', async () => {
    const cookie = await gw.newCookie();
    prometheus = new PrometheusClient('http://127.0.0.1:9');
    try {
      const r = await api<PanelCheckResponse>('POST', panelCheckPath(ID), { panel: reference() }, cookie);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ passed: false, revealable: false, error: { kind: 'unavailable' } });
    } finally {
      prometheus = lab.prometheus.client;
    }
    expect((await api<ProgressResponse>('GET', PROGRESS_PATH, undefined, cookie)).body.challenges[ID]).toBeUndefined();
    expect((await api('POST', revealPath(ID), {}, cookie)).status).toBe(409);
  });
});
