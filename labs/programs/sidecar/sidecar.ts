/**
 * The sidecar: stats store, clusters, listeners and the admin server built from one bootstrap, with
 * start and stop. `main.ts` is the command-line shell around it; tests start it in-process.
 */
import type { Bootstrap, Thresholds } from './bootstrap.ts';
import { Cluster } from './cluster.ts';
import { Listener } from './listener.ts';
import { AdminServer } from './admin.ts';
import { RuntimeLayer, type RuntimeUpdate } from './runtime.ts';
import { StatsStore } from './stats.ts';

export interface SidecarOptions {
  bootstrap: Bootstrap;
  concurrency: number;
  configPath?: string;
}

export class Sidecar {
  readonly stats = new StatsStore();
  readonly clusters = new Map<string, Cluster>();
  readonly listeners: Listener[];
  readonly runtime = new RuntimeLayer();
  readonly admin: AdminServer;
  readonly startedAt = new Date();

  constructor(readonly options: SidecarOptions) {
    const { bootstrap, concurrency } = options;
    this.stats.gauge('server.concurrency').set(concurrency);
    this.stats.gauge('server.live').set(1);
    for (const c of bootstrap.clusters) this.clusters.set(c.name, new Cluster(c, concurrency, this.stats));
    this.listeners = bootstrap.listeners.map((l) => new Listener(l, concurrency, this.clusters, this.stats));
    this.admin = new AdminServer(this);
  }

  async start(): Promise<void> {
    await this.admin.listen();
    for (const l of this.listeners) await l.listen();
  }

  async stop(): Promise<void> {
    for (const c of this.clusters.values()) c.close();
    await Promise.all([...this.listeners.map((l) => l.close()), this.admin.close()]);
  }

  /** Applies runtime keys; circuit-breaker limits change at once, open connections stay open. */
  modifyRuntime(pairs: [string, string][]): RuntimeUpdate {
    const result = this.runtime.modify(pairs, new Set(this.clusters.keys()));
    if (!result.ok) return result;
    for (const ch of result.changes) {
      const cluster = this.clusters.get(ch.cluster)!;
      const configured: Thresholds = cluster.config.thresholds;
      cluster.resources.setLimit(ch.limit, ch.value ?? configured[ch.limit]);
    }
    return result;
  }
}
