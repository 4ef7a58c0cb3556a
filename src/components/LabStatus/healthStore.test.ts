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
});
