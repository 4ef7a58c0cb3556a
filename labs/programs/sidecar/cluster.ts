/**
 * An upstream cluster: its endpoints, its stats (`cluster.<name>.*`), the circuit breakers shared by all
 * workers, and one HTTP/1.1 connection pool per worker (Envoy keeps pools per worker; limits are
 * cluster-wide).
 */
import type { ClusterConfig, HostPort } from './bootstrap.ts';
import { ConnPool } from './connPool.ts';
import { ResourceManager } from './resourceManager.ts';
import type { Counter, Gauge, StatsStore } from './stats.ts';

export interface ClusterStats {
  upstream_cx_active: Gauge;
  upstream_rq_active: Gauge;
  upstream_rq_pending_active: Gauge;
  upstream_cx_total: Counter;
  upstream_cx_http1_total: Counter;
  upstream_cx_destroy: Counter;
  upstream_cx_connect_fail: Counter;
  upstream_cx_connect_timeout: Counter;
  upstream_cx_overflow: Counter;
  upstream_cx_max_requests: Counter;
  upstream_cx_idle_timeout: Counter;
  upstream_rq_total: Counter;
  upstream_rq_pending_total: Counter;
  upstream_rq_pending_overflow: Counter;
  upstream_rq_timeout: Counter;
}

const CLUSTER_GAUGES = ['upstream_cx_active', 'upstream_rq_active', 'upstream_rq_pending_active'] as const;
const CLUSTER_COUNTERS = [
  'upstream_cx_total',
  'upstream_cx_http1_total',
  'upstream_cx_destroy',
  'upstream_cx_connect_fail',
  'upstream_cx_connect_timeout',
  'upstream_cx_overflow',
  'upstream_cx_max_requests',
  'upstream_cx_idle_timeout',
  'upstream_rq_total',
  'upstream_rq_pending_total',
  'upstream_rq_pending_overflow',
  'upstream_rq_timeout',
] as const;

export class Cluster {
  readonly stats: ClusterStats;
  readonly resources: ResourceManager;
  private readonly pools: ConnPool[];
  private nextEndpoint = 0;

  constructor(
    readonly config: ClusterConfig,
    concurrency: number,
    private readonly store: StatsStore,
  ) {
    const p = `cluster.${config.name}.`;
    const s: Record<string, Counter | Gauge> = {};
    for (const g of CLUSTER_GAUGES) s[g] = store.gauge(p + g);
    for (const c of CLUSTER_COUNTERS) s[c] = store.counter(p + c);
    this.stats = s as unknown as ClusterStats;
    this.resources = new ResourceManager(config.name, config.thresholds, config.trackRemaining, store);
    this.pools = Array.from({ length: concurrency }, () => new ConnPool(this));
  }

  get name(): string {
    return this.config.name;
  }

  pool(worker: number): ConnPool {
    return this.pools[worker]!;
  }

  /** Round robin over the endpoints (STRICT_DNS names resolve at connect time). */
  pickEndpoint(): HostPort {
    const e = this.config.endpoints[this.nextEndpoint % this.config.endpoints.length]!;
    this.nextEndpoint++;
    return e;
  }

  /** Response codes charged to the cluster: `upstream_rq_<code>` and `upstream_rq_<N>xx`. */
  chargeResponse(status: number): void {
    this.store.counter(`cluster.${this.name}.upstream_rq_${status}`).inc();
    this.store.counter(`cluster.${this.name}.upstream_rq_${Math.floor(status / 100)}xx`).inc();
  }

  /** Per-endpoint figures for `/clusters`. */
  endpointStats(): { endpoint: HostPort; cxActive: number; rqActive: number }[] {
    return this.config.endpoints.map((endpoint) => {
      let cxActive = 0;
      let rqActive = 0;
      for (const pool of this.pools) {
        const c = pool.countFor(endpoint);
        cxActive += c.cx;
        rqActive += c.rq;
      }
      return { endpoint, cxActive, rqActive };
    });
  }

  close(): void {
    for (const p of this.pools) p.close();
  }
}
