/**
 * No answer stalls the gateway for other learners. Real gateway and challenge routes, a real Prometheus
 * on the offline fixture: hostile answers (2,000 nested parentheses, a long run of unary minus) are
 * refused before any parser sees them while another session's check of a right answer passes, and a
 * check that runs out of time (a Prometheus that never answers) is not counted as an attempt.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPath, PROGRESS_PATH, type CheckResponse, type ProgressResponse } from '../../src/protocol/challenges.ts';
import { ErrorRegistry } from '../../src/protocol/errors.ts';
import { offlineWindow } from '../../src/checker/checkAnswer.ts';
import { PrometheusClient } from '../../src/checker/prometheusClient.ts';
import { ProgressStore } from '../../src/server/progressStore.ts';
import { challengeRoutes } from '../../src/server/routes/challenges.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { startOfflineLab, TEST_PREFIX, type OfflineLab } from './offline.ts';

const ID = 'api-destroyed-connections-rate';

let lab: OfflineLab;
let dataDir: string;
let gw: TestGateway;
/** A Prometheus that accepts connections and never answers, for the gateway's second lab. */
let silent: Server;
const silentSockets = new Set<Socket>();
let silentGw: TestGateway;

beforeAll(async () => {
  lab = await startOfflineLab();
  dataDir = mkdtempSync(path.join(tmpdir(), `${TEST_PREFIX}-stall-`));
  const progress = new ProgressStore(dataDir);
  gw = await startGateway({ routes: challengeRoutes({ set: lab.set, prometheus: () => lab.prometheus.client, progress, window: () => offlineWindow(lab.set) }) });
  silent = createServer((socket) => {
    silentSockets.add(socket);
    socket.on('close', () => silentSockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as { port: number };
  const stuck = new PrometheusClient(`http://127.0.0.1:${port}`, { requestTimeoutMs: 1_000 });
  silentGw = await startGateway({ routes: challengeRoutes({ set: lab.set, prometheus: () => stuck, progress, window: () => offlineWindow(lab.set) }) });
});
afterAll(async () => {
  await gw?.close();
  await silentGw?.close();
  for (const s of silentSockets) s.destroy();
  await new Promise((resolve) => silent?.close(resolve));
  await lab?.prometheus.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function check(g: TestGateway, query: string, cookie: string): Promise<CheckResponse> {
  const res = await fetch(`${g.url}${checkPath(ID)}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  expect(res.status).toBe(200);
  return (await res.json()) as CheckResponse;
}

async function progressOf(g: TestGateway, cookie: string): Promise<ProgressResponse['challenges']> {
  const res = await fetch(`${g.url}${PROGRESS_PATH}`, { headers: { cookie } });
  return ((await res.json()) as ProgressResponse).challenges;
}

describe('no answer stalls the gateway', () => {
  it("refuses 2,000 nested parentheses and a long unary minus run while another session's check passes", async () => {
    const [hostile, other] = [await gw.newCookie(), await gw.newCookie()];
    const parens = `sum(rate(${'('.repeat(2000)}envoy_listener_downstream_cx_destroy${')'.repeat(2000)}[1m]))`;
    const unary = `${'-'.repeat(1000)}envoy_listener_downstream_cx_destroy`;
    const [p, u, normal] = await Promise.all([check(gw, parens, hostile), check(gw, unary, hostile), check(gw, lab.set.byId.get(ID)!.reference, other)]);
    expect(normal.error).toBeUndefined();
    expect(normal.passed).toBe(true);
    for (const r of [p, u]) {
      expect(r.passed).toBe(false);
      expect(r.error?.kind).toBe('too-complex');
      expect(r.error?.caret).toMatch(/\^$/);
    }
    expect(p.error?.message).toMatch(/nested more than 32 deep/);
    expect(u.error?.message).toMatch(/more than 3 \+ or - signs in a row/);
    expect((await progressOf(gw, other))[ID]).toMatchObject({ passed: true, attempts: 1 });
    // Refused answers were read and judged: they count, as a too-long one does.
    expect(ErrorRegistry.check['too-complex'].attempt).toBe(true);
    expect((await progressOf(gw, hostile))[ID]).toMatchObject({ passed: false, attempts: 2 });
  });

  it('does not count a check that timed out (Prometheus never answered) as an attempt', async () => {
    const cookie = await silentGw.newCookie();
    const r = await check(silentGw, lab.set.byId.get(ID)!.reference, cookie);
    expect(r.passed).toBe(false);
    expect(r.error?.kind).toBe('timed-out');
    expect(r.error?.message).toMatch(/did not finish in time/);
    expect(r.revealable).toBe(false);
    expect((await progressOf(silentGw, cookie))[ID]).toBeUndefined();
  });
});
