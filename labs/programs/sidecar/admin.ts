/**
 * The admin server (Envoy's admin API subset): `/stats` (`filter`, `usedonly`, `format=json|prometheus`),
 * `/stats/prometheus`, `/config_dump`, `/clusters`, `/ready`, `/server_info`, `/runtime` and
 * `POST /runtime_modify`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { configDump } from './configDump.ts';
import type { Sidecar } from './sidecar.ts';
import { renderJson, renderPrometheus, renderText, type StatsQuery } from './stats.ts';

export const SIDECAR_VERSION = 'patchbay-sidecar/0.1.0 (Envoy stand-in, stats as Envoy 1.23+)';

const ENDPOINTS: [string, string][] = [
  ['/clusters', 'upstream cluster status and circuit-breaker limits'],
  ['/config_dump', 'current configuration'],
  ['/ready', 'print server state, 200 when LIVE'],
  ['/runtime', 'runtime values'],
  ['/runtime_modify', 'POST ?key=value: set runtime values (circuit_breakers.<cluster>.default.<limit>)'],
  ['/server_info', 'server version and options'],
  ['/stats', 'print server stats (filter=REGEX, usedonly, format=json|prometheus)'],
  ['/stats/prometheus', 'print server stats in Prometheus text format'],
];

export class AdminServer {
  readonly server: Server;

  constructor(private readonly sidecar: Sidecar) {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 65_000;
  }

  listen(): Promise<void> {
    const { host, port } = this.sidecar.options.bootstrap.admin;
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host, port }, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  get port(): number {
    const a = this.server.address();
    return typeof a === 'object' && a ? a.port : 0;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://admin');
    const send = (status: number, body: string, type = 'text/plain; charset=UTF-8') => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-cache, max-age=0', 'x-content-type-options': 'nosniff' });
      res.end(body);
    };
    const json = (v: unknown) => send(200, JSON.stringify(v, null, 2) + '\n', 'application/json');
    const sc = this.sidecar;

    switch (url.pathname) {
      case '/stats':
      case '/stats/prometheus': {
        const q: StatsQuery = { usedOnly: url.searchParams.has('usedonly') };
        const filter = url.searchParams.get('filter');
        if (filter) {
          try {
            q.filter = new RegExp(filter);
          } catch (e) {
            return send(400, `Invalid regex: "${filter}": ${(e as Error).message}\n`);
          }
        }
        const format = url.pathname === '/stats/prometheus' ? 'prometheus' : (url.searchParams.get('format') ?? 'text');
        if (format === 'prometheus') return send(200, renderPrometheus(sc.stats, q), 'text/plain; version=0.0.4; charset=UTF-8');
        if (format === 'json') return send(200, renderJson(sc.stats, q), 'application/json');
        if (format === 'text') return send(200, renderText(sc.stats, q));
        return send(400, `usage: /stats?format=(json|prometheus|text)\n`);
      }
      case '/config_dump':
        return json(configDump(sc.options.bootstrap.raw, sc.startedAt));
      case '/clusters':
        return send(200, this.clusters());
      case '/ready':
        return send(200, 'LIVE\n');
      case '/server_info': {
        const uptime = `${Math.floor((Date.now() - sc.startedAt.getTime()) / 1000)}s`;
        return json({
          version: SIDECAR_VERSION,
          state: 'LIVE',
          hot_restart_version: 'disabled',
          command_line_options: { concurrency: sc.options.concurrency, config_path: sc.options.configPath ?? '' },
          uptime_current_epoch: uptime,
          uptime_all_epochs: uptime,
        });
      }
      case '/runtime':
        return json(sc.runtime.toJSON());
      case '/runtime_modify': {
        if (req.method !== 'POST') return send(405, 'This endpoint requires POST\n');
        const r = sc.modifyRuntime([...url.searchParams.entries()]);
        return r.ok ? send(200, 'OK\n') : send(400, r.error + '\n');
      }
      case '/':
        return send(200, 'admin commands are:\n' + ENDPOINTS.map(([p, d]) => `  ${p}: ${d}\n`).join(''));
      default:
        return send(404, `invalid path. admin commands are:\n` + ENDPOINTS.map(([p, d]) => `  ${p}: ${d}\n`).join(''));
    }
  }

  /** `/clusters` in Envoy's `name::key::value` text form. */
  private clusters(): string {
    let out = '';
    for (const c of this.sidecar.clusters.values()) {
      const n = c.name;
      out += `${n}::observability_name::${n}\n`;
      const t = c.resources.thresholds();
      for (const k of ['max_connections', 'max_pending_requests', 'max_requests', 'max_retries'] as const) out += `${n}::default_priority::${k}::${t[k]}\n`;
      out += `${n}::added_via_api::false\n`;
      for (const e of c.endpointStats()) {
        const a = `${e.endpoint.host}:${e.endpoint.port}`;
        out += `${n}::${a}::cx_active::${e.cxActive}\n${n}::${a}::rq_active::${e.rqActive}\n${n}::${a}::health_flags::healthy\n${n}::${a}::weight::1\n`;
      }
    }
    return out;
  }
}
