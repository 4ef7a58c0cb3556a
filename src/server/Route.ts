/**
 * The gateway's extension point. Other modules add HTTP handlers by passing routes to createGateway:
 *
 *   { method: 'POST', path: '/api/challenges/:id/check', handler: async (req, res, ctx) => {
 *       const body = await ctx.readJson();            // size-capped; a failure is already answered
 *       if (!body.ok) return;
 *       ctx.sendJson(200, await check(ctx.params.id!, body.value));
 *   } }
 *   { prefix: '/prometheus/', handler: (req, res, ctx) => proxy(req, res) }
 *
 * `path` matches exactly, with `:name` segments captured into ctx.params; `prefix` matches any path
 * that starts with it. Routes are tried in order, before the built-in ones and the static site.
 * Every request has a session (ctx.sessionId); errors go out as ApiError via ctx.sendError.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiError, type HttpErrorCode } from '../protocol/errors.ts';

export interface RouteContext {
  sessionId: string;
  url: URL;
  params: Record<string, string>;
  sendJson(statusCode: number, value: unknown): void;
  sendError(code: HttpErrorCode, ...args: string[]): void;
  /** Reads and parses a JSON body of at most maxBytes; on failure the error answer is already sent. */
  readJson(maxBytes?: number): Promise<{ ok: true; value: unknown } | { ok: false }>;
}

export interface Route {
  /** Any method when omitted. */
  method?: string;
  path?: string;
  prefix?: string;
  handler(req: IncomingMessage, res: ServerResponse, ctx: RouteContext): void | Promise<void>;
}

/** Default cap for JSON request bodies: a PromQL query or a small form, never a file. */
export const DEFAULT_MAX_JSON_BYTES = 64 * 1024;

/** Returns the captured params when `route` matches, else null. */
export function matchRoute(route: Route, method: string, pathname: string): Record<string, string> | null {
  if (route.method && route.method !== method && !(route.method === 'GET' && method === 'HEAD')) return null;
  if (route.prefix !== undefined) return pathname.startsWith(route.prefix) ? {} : null;
  if (route.path === undefined) return null;
  const want = route.path.split('/');
  const got = pathname.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith(':')) {
      if (g === '') return null;
      try {
        params[w.slice(1)] = decodeURIComponent(g);
      } catch {
        return null;
      }
    } else if (w !== g) return null;
  }
  return params;
}

export function sendJson(res: ServerResponse, statusCode: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(statusCode, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

export function sendApiError(res: ServerResponse, code: HttpErrorCode, ...args: string[]): void {
  const error = apiError(code, ...args);
  sendJson(res, error.statusCode, error);
}

export async function readJsonBody(
  req: IncomingMessage,
  res: ServerResponse,
  maxBytes = DEFAULT_MAX_JSON_BYTES,
): Promise<{ ok: true; value: unknown } | { ok: false }> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) {
    sendApiError(res, 'PB_PAYLOAD_TOO_LARGE', String(maxBytes));
    req.resume();
    return { ok: false };
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) {
        sendApiError(res, 'PB_PAYLOAD_TOO_LARGE', String(maxBytes));
        req.destroy();
        return { ok: false };
      }
      chunks.push(chunk);
    }
  } catch {
    return { ok: false };
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch (error) {
    sendApiError(res, 'PB_BAD_REQUEST', `Body is not valid JSON: ${(error as Error).message}`);
    return { ok: false };
  }
}
