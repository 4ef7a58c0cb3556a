/**
 * The gateway's streaming reverse proxy, shared by its pass-throughs to a learner's lab (the lab's
 * Prometheus at /prometheus/, the lab's web services at /lab-web/): one request to one upstream the
 * route chose (never the request), without hop-by-hop headers nor the learner's cookie, the answer
 * piped as it comes (never buffered), an idle timeout, and optionally a bounded request body.
 */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { Transform } from 'node:stream';
import { refuseBody, type RouteContext } from './Route.ts';

export type ProxyHeaders = Record<string, string | string[]>;

export interface ProxyTarget {
  host: string;
  port: number | string;
  /** Path and query string as sent upstream. */
  path: string;
}

export interface ProxyOptions {
  /** How long the upstream may stay silent (connecting, before its answer, or within it). */
  timeoutMs: number;
  /** What the upstream is, for the error answer: "the lab's Prometheus". */
  what: string;
  /** A request body larger than this is refused (413) and never forwarded in full; default unbounded. */
  maxBodyBytes?: number;
  /** Rewrites the upstream answer's headers (hop-by-hop ones already left out) before they go out. */
  responseHeaders?: (headers: ProxyHeaders) => ProxyHeaders;
}

/** Hop-by-hop headers are for one connection, never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate']);

/** Headers that may cross the proxy: no hop-by-hop ones, no cookie (the gateway's session) and no Host. */
export function forwardableHeaders(headers: IncomingMessage['headers']): ProxyHeaders {
  const out: ProxyHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k) && k !== 'cookie' && k !== 'host') out[k] = v;
  return out;
}

/** Forwards `req` to `target` and streams the answer back; resolves once the exchange is over. */
export function proxyHttp(req: IncomingMessage, res: ServerResponse, ctx: Pick<RouteContext, 'sendError'>, target: ProxyTarget, options: ProxyOptions): Promise<void> {
  const limit = options.maxBodyBytes;
  if (limit !== undefined && Number(req.headers['content-length'] ?? 0) > limit) {
    refuseBody(res, limit);
    return Promise.resolve();
  }
  return new Promise<void>((resolve) => {
    let refused = false;
    const proxied = httpRequest(
      { host: target.host, port: target.port, method: req.method, path: target.path, headers: forwardableHeaders(req.headers), timeout: options.timeoutMs },
      (up) => {
        const headers = forwardableHeaders(up.headers);
        res.writeHead(up.statusCode ?? 502, options.responseHeaders ? options.responseHeaders(headers) : headers);
        up.pipe(res);
        up.on('end', resolve);
        up.on('error', () => {
          res.destroy();
          resolve();
        });
      },
    );
    proxied.on('timeout', () => proxied.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    proxied.on('error', (err) => {
      if (refused) {
        // Already answered 413.
      } else if (!res.headersSent) ctx.sendError('PB_UPSTREAM', `${options.what} did not answer: ${err.message}`);
      else res.destroy();
      resolve();
    });
    res.on('close', () => {
      proxied.destroy();
      resolve();
    });
    if (limit === undefined) {
      req.pipe(proxied);
      return;
    }
    // A body without (or with a lying) Content-Length is counted as it arrives; past the limit the
    // upstream request is abandoned and the learner gets 413.
    let total = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        total += chunk.length;
        if (total <= limit) return done(null, chunk);
        refused = true;
        req.unpipe(counter);
        req.pause();
        refuseBody(res, limit);
        proxied.destroy();
        done();
      },
    });
    req.pipe(counter).pipe(proxied);
  });
}
