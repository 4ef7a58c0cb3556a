/**
 * `/prometheus/…` → the lab's own Prometheus web UI and API, which serves under the same route prefix
 * (`--web.route-prefix=/prometheus`), so paths pass through unchanged. A plain streaming reverse proxy:
 * the learner's browser only ever talks to the gateway. No lab (or no Prometheus) → 503 as an ApiError.
 */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Route, RouteContext } from '../Route.ts';

export const PROMETHEUS_UI_PREFIX = '/prometheus';

export const PrometheusProxyLimits = {
  /** Prometheus' own query timeout is 10 s; the UI's requests get a little more before we give up. */
  UPSTREAM_TIMEOUT_MS: 15_000,
} as const;

/** Hop-by-hop headers are for one connection, never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate']);

function forwardable(headers: IncomingMessage['headers']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k) && k !== 'cookie' && k !== 'host') out[k] = v;
  return out;
}

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
    return new Promise<void>((resolve) => {
      const proxied = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path, headers: forwardable(req.headers), timeout: PrometheusProxyLimits.UPSTREAM_TIMEOUT_MS },
        (up) => {
          const headers = forwardable(up.headers);
          res.writeHead(up.statusCode ?? 502, headers);
          up.pipe(res);
          up.on('end', resolve);
          up.on('error', () => {
            res.destroy();
            resolve();
          });
        },
      );
      proxied.on('timeout', () => proxied.destroy(new Error(`no answer within ${PrometheusProxyLimits.UPSTREAM_TIMEOUT_MS} ms`)));
      proxied.on('error', (err) => {
        if (!res.headersSent) ctx.sendError('PB_UPSTREAM', `the lab's Prometheus did not answer: ${err.message}`);
        else res.destroy();
        resolve();
      });
      req.pipe(proxied);
      res.on('close', () => proxied.destroy());
    });
  };
  return [
    // `/prometheus` alone → its UI root, so a link without the trailing slash works.
    { method: 'GET', path: PROMETHEUS_UI_PREFIX, handler: (_req, res) => void res.writeHead(302, { location: `${PROMETHEUS_UI_PREFIX}/` }).end() },
    { prefix: `${PROMETHEUS_UI_PREFIX}/`, handler },
  ];
}
