/**
 * The admin runtime layer (`POST /runtime_modify?key=value`, `GET /runtime`). Real Envoy reads circuit
 * breaker limits from the runtime keys `circuit_breakers.<cluster>.<priority>.<limit>`, so changing
 * them this way is how a running Envoy gets new thresholds without a restart or an xDS push; the
 * sidecar applies the same keys. Other keys are stored and shown, as Envoy does, but change nothing.
 */
import type { Thresholds } from './bootstrap.ts';

const BREAKER_KEY = /^circuit_breakers\.([^.]+)\.default\.(max_connections|max_pending_requests|max_requests|max_retries)$/;

export interface BreakerChange {
  cluster: string;
  limit: keyof Thresholds;
  /** undefined: the override is removed and the configured value applies again. */
  value: number | undefined;
}

export type RuntimeUpdate = { ok: true; changes: BreakerChange[] } | { ok: false; error: string };

export class RuntimeLayer {
  readonly values = new Map<string, string>();

  /** Validates the whole batch before applying any of it. An empty value removes a key. */
  modify(pairs: [string, string][], knownClusters: Set<string>): RuntimeUpdate {
    const changes: BreakerChange[] = [];
    for (const [key, value] of pairs) {
      const m = BREAKER_KEY.exec(key);
      if (!m) continue;
      const cluster = m[1]!;
      if (!knownClusters.has(cluster)) return { ok: false, error: `${key}: no cluster named "${cluster}"` };
      if (value === '') {
        changes.push({ cluster, limit: m[2] as keyof Thresholds, value: undefined });
        continue;
      }
      if (!/^\d+$/.test(value) || Number(value) > 0xffffffff) {
        return { ok: false, error: `${key}: must be a non-negative integer (got "${value}")` };
      }
      changes.push({ cluster, limit: m[2] as keyof Thresholds, value: Number(value) });
    }
    for (const [key, value] of pairs) {
      if (value === '') this.values.delete(key);
      else this.values.set(key, value);
    }
    return { ok: true, changes };
  }

  /** `GET /runtime` in Envoy's shape (one admin layer). */
  toJSON(): unknown {
    const entries: Record<string, unknown> = {};
    for (const [k, v] of [...this.values].sort()) entries[k] = { layer_values: [v], final_value: v };
    return { layers: ['admin'], entries };
  }
}
