/**
 * The gateway: one port for the site, the HTTP API and terminals. Plain node:http plus ws: the API is
 * a handful of routes, so a framework would add more than it saves.
 *
 * Order of handling a request: session cookie (issued when missing), extra routes (see Route.ts for the
 * extension point), built-in API (/api/health), then the fallback (built site, or the dev proxy).
 * Upgrades under /api/terminals/ go to the terminals; other upgrades to the fallback (dev HMR).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { readFileSync } from 'node:fs';
import { HEALTH_PATH, type HealthResponse, type LabHealth } from '../protocol/health.ts';
import type { DevStatus } from '../protocol/devStatus.ts';
import type { TargetResolver } from '../terminal/target.ts';
import type { TerminalLimits } from '../terminal/TerminalLimits.ts';
import { TerminalRegistry } from '../terminal/TerminalRegistry.ts';
import { LocalTargetResolver } from '../terminal/LocalTargetResolver.ts';
import { matchRoute, readJsonBody, sendApiError, sendJson, type Route, type RouteContext } from './Route.ts';
import { newSessionId, sessionCookieHeader, sessionFromRequest } from './sessionCookie.ts';
import { serveStatic } from './staticSite.ts';
import { TerminalSockets } from './terminalSockets.ts';

export const DEFAULT_PORT = 3000;
/** Loopback only unless asked: terminals are shells on this machine. */
export const DEFAULT_HOST = '127.0.0.1';
const VERSION: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

/** Serves what the gateway does not (the built site by default; the dev server in `patchbay dev`). */
export interface Fallback {
  request(req: IncomingMessage, res: ServerResponse): void;
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

export interface GatewayOptions {
  port?: number;
  host?: string;
  /** Directory of the built site; ignored when `fallback` is given. */
  siteDir?: string;
  fallback?: Fallback;
  resolver?: TargetResolver;
  /** The lab's health for GET /api/health; null (or absent) when no lab runs. */
  healthProvider?: () => LabHealth | null | Promise<LabHealth | null>;
  /** `patchbay dev`'s account of the lab's files, reported in the health answer as `dev`. */
  devStatus?: () => DevStatus;
  /** Exact origins allowed to open terminals; default: http://localhost:PORT and http://127.0.0.1:PORT. */
  allowedOrigins?: string[];
  limits?: Partial<TerminalLimits>;
  /** Extra HTTP handlers (the extension point: see Route.ts). */
  routes?: Route[];
  /** Parent cgroup for terminals (tests pass their own prefix); null disables cgroups. */
  cgroupParent?: string | null;
  heartbeatMs?: number;
}

export interface Gateway {
  server: Server;
  registry: TerminalRegistry;
  port: number;
  /** http://HOST:PORT as bound (localhost shown for loopback). */
  url: string;
  allowedOrigins: ReadonlySet<string>;
  /** Closes sockets, ends every terminal (waiting for their processes), stops listening. */
  close(): Promise<void>;
}

export async function createGateway(options: GatewayOptions = {}): Promise<Gateway> {
  const started = Date.now();
  const host = options.host ?? DEFAULT_HOST;
  const routes = options.routes ?? [];
  const registry = new TerminalRegistry({
    resolver: options.resolver ?? new LocalTargetResolver(),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.cgroupParent !== undefined ? { cgroupParent: options.cgroupParent } : {}),
  });
  const origins = new Set<string>(options.allowedOrigins ?? []);
  const sockets = new TerminalSockets({
    registry,
    allowedOrigins: () => origins,
    ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
  });
  const fallback: Fallback = options.fallback ?? {
    request: (req, res) => {
      const pathname = new URL(req.url ?? '/', 'http://x').pathname;
      void serveStatic(options.siteDir ?? 'build/site', pathname, req, res).then((served) => {
        if (!served) sendApiError(res, 'PB_NOT_FOUND', `${req.method} ${pathname}`);
      });
    },
  };

  const health = async (): Promise<HealthResponse> => ({
    status: 'ok',
    version: VERSION,
    uptimeSeconds: Math.round((Date.now() - started) / 1000),
    lab: options.healthProvider ? await options.healthProvider() : null,
    ...(options.devStatus && { dev: options.devStatus() }),
  });

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendApiError(res, 'PB_INTERNAL', (error as Error).message ?? String(error));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    const method = req.method ?? 'GET';
    let sessionId = sessionFromRequest(req);
    if (!sessionId) {
      sessionId = newSessionId();
      res.setHeader('set-cookie', sessionCookieHeader(sessionId));
    }
    for (const route of routes) {
      const params = matchRoute(route, method, url.pathname);
      if (!params) continue;
      const ctx: RouteContext = {
        sessionId,
        url,
        params,
        sendJson: (status, value) => sendJson(res, status, value),
        sendError: (code, ...args) => sendApiError(res, code, ...args),
        readJson: (maxBytes) => readJsonBody(req, res, maxBytes),
      };
      await route.handler(req, res, ctx);
      return;
    }
    if (url.pathname === HEALTH_PATH && (method === 'GET' || method === 'HEAD')) {
      sendJson(res, 200, await health());
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      sendApiError(res, 'PB_NOT_FOUND', `${method} ${url.pathname}`);
      return;
    }
    fallback.request(req, res);
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    if (TerminalSockets.handles(url.pathname)) {
      void sockets.handleUpgrade(req, socket, head, url).catch(() => socket.destroy());
    } else if (fallback.upgrade) {
      fallback.upgrade(req, socket, head);
    } else {
      socket.destroy();
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  if (!options.allowedOrigins) {
    origins.add(`http://localhost:${port}`);
    origins.add(`http://127.0.0.1:${port}`);
  }
  const shownHost = host === '127.0.0.1' || host === '::1' || host === '0.0.0.0' || host === '::' ? 'localhost' : host;

  let closing: Promise<void> | null = null;
  return {
    server,
    registry,
    port,
    url: `http://${shownHost}:${port}`,
    allowedOrigins: origins,
    close() {
      closing ??= (async () => {
        sockets.close();
        await registry.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}
