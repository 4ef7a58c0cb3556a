/**
 * `/prometheus/…` → the lab's own Prometheus web UI and API, which serves under the same route prefix
 * (`--web.route-prefix=/prometheus`), so paths pass through unchanged. A plain streaming reverse proxy:
 * the learner's browser only ever talks to the gateway (httpProxy.ts). No lab (or no Prometheus) → 503 as an ApiError.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Route, RouteContext } from '../Route.ts';
import { proxyHttp } from '../httpProxy.ts';

export const PROMETHEUS_UI_PREFIX = '/prometheus';

export const PrometheusProxyLimits = {
  /** Prometheus' own query timeout is 10 s; the UI's requests get a little more before we give up. */
  UPSTREAM_TIMEOUT_MS: 15_000,
} as const;

/**
 * @param baseUrl returns the lab's Prometheus base URL (ending in `/prometheus`), or null while there is none.
 */
export function prometheusProxyRoutes(baseUrl: () => string | null): Route[] {
  const handler = (req: IncomingMessage, res: ServerResponse, ctx: RouteContext) => {
    const base = baseUrl();
    if (!base) return ctx.sendError('PB_LAB_NOT_READY', 'not running a Prometheus');
    const upstream = new URL(base);
    // The path after /prometheus is kept as is, with the query string.
    const path = `${upstream.pathname.replace(/\/$/, '')}${ctx.url.pathname.slice(PROMETHEUS_UI_PREFIX.length)}${ctx.url.search}`;
    return proxyHttp(req, res, ctx, { host: upstream.hostname, port: upstream.port, path }, { timeoutMs: PrometheusProxyLimits.UPSTREAM_TIMEOUT_MS, what: "the lab's Prometheus" });
  };
  return [
    // `/prometheus` alone → its UI root, so a link without the trailing slash works.
    { method: 'GET', path: PROMETHEUS_UI_PREFIX, handler: (_req, res) => void res.writeHead(302, { location: `${PROMETHEUS_UI_PREFIX}/` }).end() },
    { prefix: `${PROMETHEUS_UI_PREFIX}/`, handler },
  ];
}
