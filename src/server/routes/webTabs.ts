/**
 * `/lab-web/<id>/…` → web service `<id>` of the lab (lab.yaml `web:`) on the requesting learner's own
 * instance: the instance is the session's (LearnerLabs.instanceFor, as for /prometheus/), and the
 * upstream's address and port come from that instance and the lab's definition, never from the request,
 * so no path, header or absolute URL can reach another learner's lab. `/lab-web/<id>` alone redirects to
 * the service's default path.
 *
 * Through the same streaming proxy as /prometheus/ (httpProxy.ts): GET, HEAD and POST (bodies of at most
 * 64 KiB), an idle timeout, the answer streamed. What a page needs under the prefix: its `Location`
 * headers are rewritten into it, its cookies are dropped (the gateway's origin is not the service's),
 * and it may be framed by the site only. The lab's Prometheus serves under its own route prefix
 * (`/prometheus`, prometheusConfig.ts), so `prometheus: true` services are that path under it, and the
 * absolute links of its pages lead to the learner's own /prometheus/ pass-through.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LAB_WEB_PREFIX } from '../../protocol/webTabs.ts';
import type { LabInstance } from '../../lab/types.ts';
import type { WebServiceSpec } from '../../lab/schema.ts';
import type { LearnerInstance } from '../learnerLabs.ts';
import type { Route, RouteContext } from '../Route.ts';
import { proxyHttp, type ProxyHeaders } from '../httpProxy.ts';

export const WebTabLimits = {
  /** A lab page or its API answers quickly; one that stays silent this long is given up on. */
  UPSTREAM_TIMEOUT_MS: 15_000,
  /** A form or a small API call, never an upload. */
  MAX_BODY_BYTES: 64 * 1024,
} as const;

const METHODS = new Set(['GET', 'HEAD', 'POST']);

/** Where a service of an instance is: host, port, and the path it serves under ('' or e.g. `/prometheus`). */
export interface WebUpstream {
  host: string;
  port: number;
  basePath: string;
}

/** The upstream of `service` in `instance`, or why there is none. */
export function webUpstream(instance: LabInstance, service: WebServiceSpec): WebUpstream | { problem: string } {
  if (service.prometheus) {
    if (!instance.prometheusUrl) return { problem: 'not running a Prometheus' };
    const url = new URL(instance.prometheusUrl);
    return { host: url.hostname, port: Number(url.port), basePath: url.pathname.replace(/\/$/, '') };
  }
  const host = instance.hosts.find((h) => h.name === service.host || h.aliases.includes(service.host!));
  if (!host) return { problem: `missing host ${service.host}` };
  return { host: host.address, port: service.port!, basePath: '' };
}

/**
 * A `Location` of the upstream's answer as the browser must follow it: an absolute path under the
 * service (or an absolute URL of the upstream itself) moves under `/lab-web/<id>`; anything else (a
 * relative one, another site) is left as it is.
 */
export function rewriteLocation(location: string, id: string, upstream: WebUpstream): string {
  let path: string;
  if (location.startsWith('/') && !location.startsWith('//')) path = location;
  else {
    let url: URL;
    try {
      url = new URL(location);
    } catch {
      return location;
    }
    if (url.hostname !== upstream.host || Number(url.port || 80) !== upstream.port) return location;
    path = `${url.pathname}${url.search}${url.hash}`;
  }
  const base = upstream.basePath;
  if (base && path !== base && !path.startsWith(`${base}/`) && !path.startsWith(`${base}?`)) return location;
  const rest = path.slice(base.length);
  return `${LAB_WEB_PREFIX}/${id}${rest.startsWith('/') ? rest : `/${rest}`}`;
}

/**
 * @param services the lab's `web:` section (as running now: `patchbay dev` restarts the lab on edits).
 * @param instanceFor the requesting learner's instance (found or acquired as for /prometheus/).
 */
export function webTabRoutes(services: () => Readonly<Record<string, WebServiceSpec>>, instanceFor: (ctx: RouteContext) => Promise<LearnerInstance>): Route[] {
  const handler = async (req: IncomingMessage, res: ServerResponse, ctx: RouteContext) => {
    const web = services();
    // ctx.url is already normalized (`..` and `%2e%2e` segments resolved); `%2F` stays one segment.
    const rest = ctx.url.pathname.slice(LAB_WEB_PREFIX.length + 1);
    const slash = rest.indexOf('/');
    const id = slash === -1 ? rest : rest.slice(0, slash);
    const service = Object.hasOwn(web, id) ? web[id] : undefined;
    if (!service) return ctx.sendError('PB_UNKNOWN_WEB_SERVICE', JSON.stringify(safeText(id)), Object.keys(web).join(', ') || 'none');
    const method = req.method ?? 'GET';
    if (!METHODS.has(method)) return ctx.sendError('PB_BAD_REQUEST', `web tabs forward GET, HEAD and POST, not ${method}`);
    // `/lab-web/<id>` alone: the service's default page (the link a tab opens without a path).
    if (slash === -1) return void res.writeHead(302, { location: `${LAB_WEB_PREFIX}/${id}${service.path}`, 'cache-control': 'no-store' }).end();
    const r = await instanceFor(ctx);
    if (!r.ok) return ctx.sendError(r.code, r.message);
    const upstream = webUpstream(r.instance, service);
    if ('problem' in upstream) return ctx.sendError('PB_LAB_NOT_READY', upstream.problem);
    const path = `${upstream.basePath}${rest.slice(slash)}${ctx.url.search}`;
    return proxyHttp(req, res, ctx, { host: upstream.host, port: upstream.port, path }, {
      timeoutMs: WebTabLimits.UPSTREAM_TIMEOUT_MS,
      what: `web service ${id} of your lab (${service.prometheus ? 'its Prometheus' : `${service.host}:${service.port}`})`,
      maxBodyBytes: WebTabLimits.MAX_BODY_BYTES,
      responseHeaders: (headers) => pageHeaders(headers, id, upstream),
    });
  };
  return [{ prefix: `${LAB_WEB_PREFIX}/`, handler }];
}

function pageHeaders(headers: ProxyHeaders, id: string, upstream: WebUpstream): ProxyHeaders {
  const { 'set-cookie': _cookies, 'x-frame-options': _frame, location, ...out } = headers;
  if (typeof location === 'string') out.location = rewriteLocation(location, id, upstream);
  // The dock frames the page; no other site may.
  out['x-frame-options'] = 'SAMEORIGIN';
  return out;
}

/** An id from the URL, shortened and printable, for the error message. */
function safeText(s: string): string {
  let text: string;
  try {
    text = decodeURIComponent(s);
  } catch {
    text = s;
  }
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}
