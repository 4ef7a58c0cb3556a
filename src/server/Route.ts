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
 * Routes are reached only with a session the server issued (identity.ts): ctx.sessionId says whose;
 * errors go out as ApiError via ctx.sendError.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { apiError, type HttpErrorCode } from '../protocol/errors.ts';

export interface RouteContext {
  /**
   * The learner's id: the same across the sign-ins of one browser (each sign-in rotates the session
   * itself), so what is kept under it (progress, terminals) survives signing in again.
   */
  sessionId: string;
  /** The learner's display name (hosted mode), or null. */
  displayName: string | null;
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
  /**
   * Reached without a session too: the route checks credentials of its own (the instructor's API takes
   * the operator's token as `Authorization: Bearer`). ctx.sessionId is '' then.
   */
  withoutSession?: boolean;
  /**
   * WebSocket upgrades of this path (matched as GET, only with a session), e.g. the instructor's
   * read-only terminal view. The route answers or destroys the socket itself.
   */
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer, ctx: Pick<RouteContext, 'sessionId' | 'url' | 'params'>): void | Promise<void>;
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
  const body = await readBody(req, maxBytes);
  if (body === 'too-large') {
    refuseBody(res, maxBytes);
    return { ok: false };
  }
  if (body === null) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) };
  } catch (error) {
    sendApiError(res, 'PB_BAD_REQUEST', `Body is not valid JSON: ${(error as Error).message}`);
    return { ok: false };
  }
}

/**
 * A request body of at most maxBytes; `too-large` as soon as Content-Length or the bytes read say it is
 * bigger (nothing more is read, nothing buffered beyond maxBytes); null when the client went away.
 * A caller answers `too-large` with refuseBody.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | 'too-large' | null> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) return Promise.resolve('too-large');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const settle = (value: Buffer | 'too-large' | null) => {
      req.off('data', onData).off('end', onEnd).off('error', onGone).off('close', onClose);
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      chunks.push(chunk);
      if (total <= maxBytes) return;
      // Stop reading here, but leave the socket open for the 413 (destroying the request would close it).
      req.pause();
      settle('too-large');
    };
    const onEnd = () => settle(Buffer.concat(chunks));
    const onGone = () => settle(null);
    const onClose = () => settle(req.complete ? Buffer.concat(chunks) : null);
    req.on('data', onData).on('end', onEnd).on('error', onGone).on('close', onClose);
  });
}

/**
 * Answers 413 and closes the connection once the answer is out: the rest of the body is never read
 * (a keep-alive connection would have to read it all to find the next request).
 */
export function refuseBody(res: ServerResponse, maxBytes: number): void {
  if (res.headersSent) return;
  res.setHeader('connection', 'close');
  sendApiError(res, 'PB_PAYLOAD_TOO_LARGE', String(maxBytes));
}
