import { describe, expect, it } from 'vitest';
import type { HealthResponse, LabHealth } from '../../protocol/health.ts';
import { summarize } from './healthStore.ts';

function withLab(lab: LabHealth | null): HealthResponse {
  return { status: 'ok', version: '0.1.0', uptimeSeconds: 1, lab };
}

const baseLab: LabHealth = { name: 'connections', instance: 'c1', state: 'ready', hosts: [], failing: [] };

describe('summarize', () => {
  it('says there is no lab when the gateway runs without one', () => {
    expect(summarize({ kind: 'ok', health: withLab(null) })).toMatchObject({ tone: 'idle', label: 'no lab' });
  });

  it('names the failing process of a degraded lab', () => {
    const lab: LabHealth = {
      ...baseLab,
      state: 'degraded',
      failing: ['api/sidecar'],
      hosts: [{ name: 'api', address: '10.0.0.2', processes: [{ name: 'sidecar', state: 'failed', restarts: 3, lastError: 'exit 1' }] }],
    };
    const summary = summarize({ kind: 'ok', health: withLab(lab) });
    expect(summary.tone).toBe('bad');
    expect(summary.label).toContain('api/sidecar');
    expect(summary.detail).toContain('exit 1');
  });

  it('lists what a starting lab still waits for', () => {
    const lab: LabHealth = {
      ...baseLab,
      state: 'starting',
      hosts: [{ name: 'web', address: '10.0.0.3', processes: [{ name: 'app', state: 'ready', restarts: 0 }, { name: 'sidecar', state: 'starting', restarts: 0 }] }],
    };
    expect(summarize({ kind: 'ok', health: withLab(lab) })).toMatchObject({ tone: 'warn', detail: 'Waiting for web/sidecar' });
  });

  it('reports ready and unreachable plainly', () => {
    expect(summarize({ kind: 'ok', health: withLab(baseLab) })).toMatchObject({ tone: 'ok', label: 'connections ready' });
    expect(summarize({ kind: 'unreachable', message: 'gateway unreachable' })).toMatchObject({ tone: 'bad', label: 'offline' });
  });

  it('in patchbay dev, names the file with errors first and says the lab runs as before', () => {
    const health: HealthResponse = {
      ...withLab(baseLab),
      dev: { errors: [{ file: 'labs/connections/challenges.yaml', text: 'labs/connections/challenges.yaml:12:5: challenges.0.titel: unknown key `titel`; did you mean `title`?' }], restarting: false, lastChange: null },
    };
    const summary = summarize({ kind: 'ok', health });
    expect(summary).toMatchObject({ tone: 'bad', label: 'challenges.yaml has errors' });
    expect(summary.detail).toContain('challenges.yaml:12:5: challenges.0.titel');
    expect(summary.detail).toContain('until then connections runs as it was before (connections ready)');
  });

  it('in patchbay dev, says the lab restarts, and for a while what the last save did', () => {
    const restarting: HealthResponse = { ...withLab({ ...baseLab, state: 'starting' }), dev: { errors: [], restarting: true, lastChange: { kind: 'lab-restarting', message: 'lab: lab.yaml changed: restarting connections…', secondsAgo: 1 } } };
    expect(summarize({ kind: 'ok', health: restarting })).toMatchObject({ tone: 'warn', label: 'connections restarting', detail: 'lab: lab.yaml changed: restarting connections…' });
    const reloaded = (secondsAgo: number): HealthResponse => ({ ...withLab(baseLab), dev: { errors: [], restarting: false, lastChange: { kind: 'challenges-reloaded', message: 'challenges: reloaded: 9 challenges', secondsAgo } } });
    expect(summarize({ kind: 'ok', health: reloaded(3) })).toMatchObject({ tone: 'ok', label: 'connections ready · challenges reloaded' });
    expect(summarize({ kind: 'ok', health: reloaded(600) })).toMatchObject({ tone: 'ok', label: 'connections ready' });
  });

  it("says a learner's place in the queue, a reclaimed lab, and otherwise the instance's own state", () => {
    const base = { instance: null, idleSeconds: 1800, warnSeconds: 120 };
    const queued = summarize({
      kind: 'ok',
      health: { ...withLab({ ...baseLab, instance: '', state: 'starting' }), learnerLab: { ...base, phase: 'queued', queue: { place: 2, waiting: 3, estimateSeconds: 40, problem: null } } },
    });
    expect(queued).toMatchObject({ tone: 'warn', label: 'connections: queued, #2' });
    expect(queued.detail).toContain('number 2 of 3 waiting (about 40 s)');
    const reclaimed = summarize({ kind: 'ok', health: { ...withLab({ ...baseLab, instance: '', state: 'none' }), learnerLab: { ...base, phase: 'none', reclaimed: { reason: 'idle', at: 1 } } } });
    expect(reclaimed).toMatchObject({ tone: 'idle', label: 'connections reclaimed' });
    expect(reclaimed.detail).toContain('after 30 min without activity');
    const ready = summarize({ kind: 'ok', health: { ...withLab(baseLab), learnerLab: { ...base, phase: 'ready', instance: 'c1' } } });
    expect(ready).toMatchObject({ tone: 'ok', label: 'connections ready' });
  });
});
