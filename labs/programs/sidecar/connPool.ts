/**
 * A worker's HTTP/1.1 connection pool for one cluster, following Envoy's ConnPoolImplBase:
 * - a ready connection is used at once (one request per connection at a time);
 * - otherwise the request waits in the pending queue if `max_pending_requests` allows
 *   (`upstream_rq_pending_total`), else it fails with overflow (`upstream_rq_pending_overflow`, local 503);
 * - a new connection opens for waiting requests if `max_connections` allows, else `upstream_cx_overflow`
 *   counts it and the request waits for a connection of this pool to free up. As in Envoy, a pool with
 *   no connection at all may open one even when the limit is reached, so that every worker can make
 *   progress (the documented exception: with N workers, active connections can exceed the limit by up
 *   to one per empty pool).
 * - `max_requests_per_connection` closes a connection after its last response (`upstream_cx_max_requests`);
 *   `common_http_protocol_options.idle_timeout` closes one left unused that long (`upstream_cx_idle_timeout`).
 */
import type { HostPort } from './bootstrap.ts';
import type { Cluster } from './cluster.ts';
import { UpstreamConnection } from './upstreamConnection.ts';

export type PoolFailureReason = 'overflow' | 'connection failure';

export interface StreamCallbacks {
  /** Attached to a connection; the caller must call `release` exactly once when done with it. */
  onReady(conn: UpstreamConnection): void;
  onFailure(reason: PoolFailureReason): void;
}

export interface PendingStream {
  cancel(): void;
}

export class ConnPool {
  private readonly ready: UpstreamConnection[] = [];
  private readonly all = new Set<UpstreamConnection>();
  private connecting = 0;
  private readonly pending: StreamCallbacks[] = [];
  private closing = false;

  constructor(private readonly cluster: Cluster) {}

  /** Starts a stream; returns a handle while it waits in the pending queue. */
  newStream(cb: StreamCallbacks): PendingStream | undefined {
    const { resources, stats } = this.cluster;
    const conn = this.ready.pop();
    if (conn) {
      this.attach(conn, cb);
      return undefined;
    }
    if (!resources.canCreate('pending')) {
      stats.upstream_rq_pending_overflow.inc();
      cb.onFailure('overflow');
      return undefined;
    }
    resources.inc('pending');
    stats.upstream_rq_pending_total.inc();
    stats.upstream_rq_pending_active.inc();
    this.pending.push(cb);
    this.tryCreateConnections();
    return { cancel: () => this.cancel(cb) };
  }

  /** Gives a connection back after its response; `reusable` false closes it. */
  release(conn: UpstreamConnection, reusable: boolean): void {
    if (!conn.busy) return;
    conn.busy = false;
    const { resources, stats } = this.cluster;
    resources.dec('rq');
    stats.upstream_rq_active.dec();
    if (conn.closed) return;
    const max = this.cluster.config.maxRequestsPerConnection;
    if (max !== undefined && conn.requests >= max) {
      stats.upstream_cx_max_requests.inc();
      conn.destroy();
      return;
    }
    if (!reusable || this.closing) {
      conn.destroy();
      return;
    }
    this.onUpstreamReady(conn);
  }

  countFor(endpoint: HostPort): { cx: number; rq: number } {
    let cx = 0;
    let rq = 0;
    for (const c of this.all) {
      if (c.endpoint !== endpoint) continue;
      cx++;
      if (c.busy) rq++;
    }
    return { cx, rq };
  }

  close(): void {
    this.closing = true;
    for (const c of this.all) c.destroy();
  }

  private attach(conn: UpstreamConnection, cb: StreamCallbacks): void {
    const { resources, stats } = this.cluster;
    conn.stopIdleTimer();
    if (!resources.canCreate('rq')) {
      // Envoy charges a max_requests refusal to upstream_rq_pending_overflow too.
      stats.upstream_rq_pending_overflow.inc();
      this.onUpstreamReady(conn, false);
      cb.onFailure('overflow');
      return;
    }
    resources.inc('rq');
    stats.upstream_rq_total.inc();
    stats.upstream_rq_active.inc();
    conn.busy = true;
    cb.onReady(conn);
  }

  private onUpstreamReady(conn: UpstreamConnection, servePending = true): void {
    const next = servePending ? this.pending.shift() : undefined;
    if (next) {
      this.leavePending();
      this.attach(conn, next);
    } else {
      // Most recently used first (as Envoy's ready list), so spare connections go idle and time out.
      this.ready.push(conn);
      const idle = this.cluster.config.idleTimeoutMs;
      if (idle > 0) {
        conn.startIdleTimer(idle, () => {
          this.cluster.stats.upstream_cx_idle_timeout.inc();
          conn.destroy();
        });
      }
    }
  }

  private leavePending(): void {
    this.cluster.resources.dec('pending');
    this.cluster.stats.upstream_rq_pending_active.dec();
  }

  private cancel(cb: StreamCallbacks): void {
    const i = this.pending.indexOf(cb);
    if (i < 0) return;
    this.pending.splice(i, 1);
    this.leavePending();
  }

  /** Opens connections while waiting requests outnumber the connections being opened for them. */
  private tryCreateConnections(): void {
    const { resources, stats } = this.cluster;
    while (!this.closing && this.pending.length > this.connecting) {
      const poolEmpty = this.all.size === 0;
      if (!resources.canCreate('cx') && !poolEmpty) {
        stats.upstream_cx_overflow.inc();
        return;
      }
      this.open();
    }
  }

  private open(): void {
    const { resources, stats, config } = this.cluster;
    resources.inc('cx');
    stats.upstream_cx_total.inc();
    stats.upstream_cx_http1_total.inc();
    stats.upstream_cx_active.inc();
    this.connecting++;
    const conn = new UpstreamConnection(
      this.cluster.pickEndpoint(),
      config.connectTimeoutMs,
      (c) => {
        this.connecting--;
        this.onUpstreamReady(c);
      },
      (c, connectFailed, timedOut) => this.onClose(c, connectFailed, timedOut),
    );
    this.all.add(conn);
  }

  private onClose(conn: UpstreamConnection, connectFailed: boolean, timedOut: boolean): void {
    const { resources, stats } = this.cluster;
    this.all.delete(conn);
    const r = this.ready.indexOf(conn);
    if (r >= 0) this.ready.splice(r, 1);
    resources.dec('cx');
    stats.upstream_cx_active.dec();
    stats.upstream_cx_destroy.inc();
    if (connectFailed) {
      this.connecting--;
      stats.upstream_cx_connect_fail.inc();
      if (timedOut) stats.upstream_cx_connect_timeout.inc();
      // Like Envoy, waiting requests fail when no connection is left that could serve them.
      if (this.all.size === 0) {
        for (const cb of this.pending.splice(0)) {
          this.leavePending();
          cb.onFailure('connection failure');
        }
      }
    }
    if (this.pending.length) this.tryCreateConnections();
  }
}
