/**
 * A cluster's circuit breakers (Envoy's ResourceManagerImpl for the DEFAULT priority): one counter per
 * resource, shared by every worker of the sidecar, with the `circuit_breakers.default.*_open` gauges
 * and, with `track_remaining`, the `remaining_*` gauges. Limits can change at run time (runtime keys
 * `circuit_breakers.<cluster>.default.<limit>`, as in real Envoy) without touching open connections.
 */
import type { Thresholds } from './bootstrap.ts';
import type { Gauge, StatsStore } from './stats.ts';

export type ResourceName = 'cx' | 'pending' | 'rq' | 'retries';

const LIMIT_OF: Record<ResourceName, keyof Thresholds> = {
  cx: 'max_connections',
  pending: 'max_pending_requests',
  rq: 'max_requests',
  retries: 'max_retries',
};
const OPEN_GAUGE: Record<ResourceName, string> = { cx: 'cx_open', pending: 'rq_pending_open', rq: 'rq_open', retries: 'rq_retry_open' };
const REMAINING_GAUGE: Record<ResourceName, string> = {
  cx: 'remaining_cx',
  pending: 'remaining_pending',
  rq: 'remaining_rq',
  retries: 'remaining_retries',
};
const RESOURCES: readonly ResourceName[] = ['cx', 'pending', 'rq', 'retries'];

class Resource {
  count = 0;
  constructor(
    private max: number,
    private readonly open: Gauge,
    private readonly remaining: Gauge | undefined,
  ) {
    this.refresh();
  }
  canCreate(): boolean {
    return this.count < this.max;
  }
  inc(): void {
    this.count++;
    this.refresh();
  }
  dec(): void {
    this.count--;
    this.refresh();
  }
  setMax(max: number): void {
    this.max = max;
    this.refresh();
  }
  get limit(): number {
    return this.max;
  }
  /** Open as soon as the count reaches the limit (the next one would be refused). */
  private refresh(): void {
    this.open.set(this.canCreate() ? 0 : 1);
    this.remaining?.set(Math.max(0, this.max - this.count));
  }
}

export class ResourceManager {
  private readonly resources: Record<ResourceName, Resource>;

  constructor(clusterName: string, thresholds: Thresholds, trackRemaining: boolean, stats: StatsStore) {
    const prefix = `cluster.${clusterName}.circuit_breakers.default.`;
    const make = (r: ResourceName) =>
      new Resource(
        thresholds[LIMIT_OF[r]],
        stats.gauge(prefix + OPEN_GAUGE[r]),
        trackRemaining ? stats.gauge(prefix + REMAINING_GAUGE[r]) : undefined,
      );
    this.resources = { cx: make('cx'), pending: make('pending'), rq: make('rq'), retries: make('retries') };
  }

  canCreate(r: ResourceName): boolean {
    return this.resources[r].canCreate();
  }
  inc(r: ResourceName): void {
    this.resources[r].inc();
  }
  dec(r: ResourceName): void {
    this.resources[r].dec();
  }
  count(r: ResourceName): number {
    return this.resources[r].count;
  }

  thresholds(): Thresholds {
    const t = {} as Thresholds;
    for (const r of RESOURCES) t[LIMIT_OF[r]] = this.resources[r].limit;
    return t;
  }

  /** New limits apply to the next admission decision; nothing already admitted is dropped. */
  setLimit(limit: keyof Thresholds, value: number): void {
    const r = RESOURCES.find((x) => LIMIT_OF[x] === limit)!;
    this.resources[r].setMax(value);
  }
}
