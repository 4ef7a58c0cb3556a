/**
 * A listener with its HTTP connection manager: accepts downstream connections, hands each to a worker
 * (as the kernel does with Envoy's per-worker listener sockets: a hash of the client's address and port),
 * counts listener, per-worker and `http.<stat_prefix>` stats, and proxies each request to the routed
 * cluster through that worker's connection pool.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ListenerConfig } from './bootstrap.ts';
import type { Cluster } from './cluster.ts';
import type { PendingStream, PoolFailureReason } from './connPool.ts';
import type { Counter, Gauge, StatsStore } from './stats.ts';
import type { UpstreamConnection } from './upstreamConnection.ts';

/** Envoy's default route timeout (15 s): covers waiting in the pending queue and the upstream response. */
const ROUTE_TIMEOUT_MS = 15_000;
/** Envoy's default downstream idle timeout is 1 h; Node's 5 s default would churn pooled clients. */
const DOWNSTREAM_IDLE_TIMEOUT_MS = 3_600_000;

/** Responses up to this size (with a content-length) are sent in one write with their headers. */
const BUFFERED_BODY_LIMIT = 64 * 1024;

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

export const OVERFLOW_BODY = 'upstream connect error or disconnect/reset before headers. reset reason: overflow';

const RESET_BODY: Record<PoolFailureReason | 'connection termination', string> = {
  overflow: OVERFLOW_BODY,
  'connection failure': 'upstream connect error or disconnect/reset before headers. reset reason: connection failure',
  'connection termination': 'upstream connect error or disconnect/reset before headers. reset reason: connection termination',
};

/** The dotted form Envoy uses in stat names: `0.0.0.0:20000` → `0.0.0.0_20000`. */
export function listenerStatName(host: string, port: number): string {
  return `${host}_${port}`;
}

interface WorkerStats {
  total: Counter;
  active: Gauge;
}

function hashWorker(socket: Socket, n: number): number {
  // FNV-1a over the remote address and port, like a 4-tuple hash of SO_REUSEPORT.
  const key = `${socket.remoteAddress}:${socket.remotePort}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % n;
}

export class Listener {
  readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly workerOf = new WeakMap<Socket, number>();
  private readonly workers: WorkerStats[];
  private statName: string;
  private readonly l: { total: Counter; destroy: Counter; active: Gauge };
  private readonly h: { total: Counter; active: Gauge; rqTotal: Counter };

  constructor(
    readonly config: ListenerConfig,
    private readonly concurrency: number,
    private readonly clusters: Map<string, Cluster>,
    private readonly store: StatsStore,
  ) {
    this.statName = listenerStatName(config.address.host, config.address.port);
    const lp = `listener.${this.statName}.`;
    this.l = { total: store.counter(lp + 'downstream_cx_total'), destroy: store.counter(lp + 'downstream_cx_destroy'), active: store.gauge(lp + 'downstream_cx_active') };
    this.workers = Array.from({ length: concurrency }, (_, i) => ({
      total: store.counter(`${lp}worker_${i}.downstream_cx_total`),
      active: store.gauge(`${lp}worker_${i}.downstream_cx_active`),
    }));
    const hp = `http.${config.statPrefix}.`;
    this.h = { total: store.counter(hp + 'downstream_cx_total'), active: store.gauge(hp + 'downstream_cx_active'), rqTotal: store.counter(hp + 'downstream_rq_total') };

    this.server = createServer({ keepAliveTimeout: DOWNSTREAM_IDLE_TIMEOUT_MS, requestTimeout: 0, headersTimeout: 60_000 }, (req, res) =>
      this.onRequest(req, res),
    );
    this.server.on('connection', (socket: Socket) => this.onConnection(socket));
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: this.config.address.host, port: this.config.address.port, backlog: 1024 }, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** The bound port (differs from the config when it asked for port 0). */
  get port(): number {
    const a = this.server.address();
    return typeof a === 'object' && a ? a.port : this.config.address.port;
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private onConnection(socket: Socket): void {
    const w = hashWorker(socket, this.concurrency);
    this.workerOf.set(socket, w);
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const ws = this.workers[w]!;
    this.l.total.inc();
    this.l.active.inc();
    ws.total.inc();
    ws.active.inc();
    this.h.total.inc();
    this.h.active.inc();
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.l.active.dec();
      this.l.destroy.inc();
      ws.active.dec();
      this.h.active.dec();
    });
  }

  private respondCode(status: number): void {
    this.store.counter(`http.${this.config.statPrefix}.downstream_rq_${Math.floor(status / 100)}xx`).inc();
  }

  private localReply(res: ServerResponse, status: number, body: string, extra: Record<string, string> = {}): void {
    this.respondCode(status);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(status, { 'content-length': Buffer.byteLength(body), 'content-type': 'text/plain', server: 'envoy', ...extra });
    res.end(body);
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    this.h.rqTotal.inc();
    const path = req.url ?? '/';
    const route = this.config.routes.find((r) => path.startsWith(r.prefix));
    const cluster = route && this.clusters.get(route.cluster);
    if (!cluster) {
      this.localReply(res, 404, '');
      return;
    }
    const worker = this.workerOf.get(req.socket) ?? 0;
    const headers = forwardHeaders(req.headers, req.socket.remoteAddress);
    let done = false;
    let pending: PendingStream | undefined;
    let conn: UpstreamConnection | undefined;
    const finish = () => {
      done = true;
      clearTimeout(timer);
    };
    const timer = setTimeout(() => {
      if (done) return;
      finish();
      pending?.cancel();
      cluster.stats.upstream_rq_timeout.inc();
      if (conn) {
        cluster.pool(worker).release(conn, false);
      }
      cluster.chargeResponse(504);
      this.localReply(res, 504, 'upstream request timeout');
    }, ROUTE_TIMEOUT_MS);
    res.once('close', () => {
      // The client went away: a waiting request leaves the queue; one in flight closes its upstream.
      if (done) return;
      finish();
      pending?.cancel();
      if (conn) cluster.pool(worker).release(conn, false);
    });

    pending = cluster.pool(worker).newStream({
      onFailure: (reason) => {
        if (done) return;
        finish();
        cluster.chargeResponse(503);
        this.localReply(res, 503, RESET_BODY[reason], reason === 'overflow' ? { 'x-envoy-overloaded': 'true' } : {});
      },
      onReady: (c) => {
        pending = undefined;
        if (done) {
          cluster.pool(worker).release(c, true);
          return;
        }
        conn = c;
        const upstream = c.request(req.method ?? 'GET', path, headers);
        let gotResponse = false;
        upstream.on('response', (up) => {
          gotResponse = true;
          const status = up.statusCode ?? 502;
          cluster.chargeResponse(status);
          this.respondCode(status);
          const out: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
          out.server = 'envoy';
          const length = Number(up.headers['content-length']);
          const release = () => {
            if (done) return;
            finish();
            cluster.pool(worker).release(c, up.headers.connection !== 'close');
          };
          if (length >= 0 && length <= BUFFERED_BODY_LIMIT) {
            // Small bodies go out with the headers in one write: half the syscalls of a pipe.
            const chunks: Buffer[] = [];
            up.on('data', (d: Buffer) => chunks.push(d));
            up.once('end', () => {
              if (done) return; // timed out or the client left meanwhile: the reply is settled
              res.writeHead(status, out);
              res.end(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
              release();
            });
          } else {
            res.writeHead(status, out);
            up.pipe(res);
            up.once('end', release);
          }
        });
        // `on`, not `once`: a second error event after the first must not go unhandled.
        upstream.on('error', () => {
          if (done) return;
          finish();
          cluster.pool(worker).release(c, false);
          if (gotResponse) {
            res.destroy();
          } else {
            cluster.chargeResponse(503);
            this.localReply(res, 503, RESET_BODY['connection termination']);
          }
        });
        req.pipe(upstream);
      },
    });
  }
}

function forwardHeaders(h: IncomingHttpHeaders, remote: string | undefined): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  const xff = h['x-forwarded-for'];
  out['x-forwarded-for'] = xff ? `${xff}, ${remote ?? ''}` : (remote ?? '');
  out['x-forwarded-proto'] = 'http';
  return out;
}
