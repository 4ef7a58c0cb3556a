/**
 * The gateway: one port for the site, the HTTP API and terminals. Plain node:http plus ws: the API is
 * a handful of routes, so a framework would add more than it saves.
 *
 * Order of handling a request: the Host header (allowlist, hostCheck.ts), sign-in, join and the
 * operator's API (identity.ts), then the session: without one, GET /api/health is answered, a page
 * request gets the sign-in page and everything else 401. With one: extra routes (see Route.ts for the
 * extension point), built-in API (/api/health), then the fallback (built site, or the dev proxy).
 * Upgrades under /api/terminals/ go to the terminals; other upgrades to the fallback (dev HMR), both
 * only with a session.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { readFileSync } from 'node:fs';
import { HEALTH_PATH, type HealthResponse, type LabHealth } from '../protocol/health.ts';
import type { DevStatus } from '../protocol/devStatus.ts';
import type { LearnerLabStatus } from '../protocol/learnerLab.ts';
import type { TargetResolver } from '../terminal/target.ts';
import type { TerminalLimits } from '../terminal/TerminalLimits.ts';
import { TerminalRegistry } from '../terminal/TerminalRegistry.ts';
import { LocalTargetResolver } from '../terminal/LocalTargetResolver.ts';
import { matchRoute, readJsonBody, sendApiError, sendJson, type Route, type RouteContext } from './Route.ts';
import { sessionCookieName } from './sessionCookie.ts';
import { serveStatic } from './staticSite.ts';
import { refuse, TerminalSockets } from './terminalSockets.ts';
import { loadAuthSecrets } from './authSecrets.ts';
import { Identity, type AuthMode } from './identity.ts';
import type { SessionLimits } from './SessionLimits.ts';
import type { InviteBook } from './invites.ts';
import type { SessionStore } from './SessionStore.ts';
import { allowedHost, hostname, hostnameOfUrl, isLoopbackAddress, LOOPBACK_HOSTNAMES } from './hostCheck.ts';

export const DEFAULT_PORT = 3000;
/** Loopback only unless asked: terminals are shells on this machine. */
export const DEFAULT_HOST = '127.0.0.1';
const VERSION: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

/** Serves what the gateway does not (the built site by default; the dev server in `patchbay dev`). */
export interface Fallback {
  request(req: IncomingMessage, res: ServerResponse): void;
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

/** Who may sign in and how (identity.ts); every field optional. */
export interface AuthOptions {
  /** `local` (default): the sign-in token; `hosted`: an admin token and invites, and non-loopback binds. */
  mode?: AuthMode;
  /** Directory of the secrets' 0600 files (authSecrets.ts); null or absent: random, for this process only. */
  dir?: string | null;
  /** Replace the secrets in `dir` (the printed link changes, everyone is signed out). */
  renew?: boolean;
  /** Hosted mode's admin token given by the operator instead of the file's. */
  adminToken?: string;
  /** Hosted mode: the URL learners reach the gateway at (invite links); its host is allowed. */
  publicUrl?: string;
  /** Hosted mode: more host names to answer (`name`; a `:port` is ignored). */
  allowedHosts?: string[];
  limits?: Partial<SessionLimits>;
  store?: SessionStore;
  /** Hosted mode's invites (default in memory; `patchbay serve` keeps them in the database). */
  invites?: InviteBook;
  /** The clock of sessions, invites and sign-in limits (tests move it instead of waiting). */
  now?: () => number;
}

/** Why a gateway will not listen beyond loopback in local mode, and how to allow it. */
export function nonLoopbackRefusal(host: string): string {
  return (
    `refusing to listen on ${host}: beyond loopback, anyone who reaches the port could ask for a shell. ` +
    'Use --hosted (or PATCHBAY_HOSTED=1) so only the operator and invited learners get in, or keep --host 127.0.0.1'
  );
}

export interface GatewayOptions {
  auth?: AuthOptions;
  port?: number;
  host?: string;
  /** Directory of the built site; ignored when `fallback` is given. */
  siteDir?: string;
  fallback?: Fallback;
  resolver?: TargetResolver;
  /**
   * The lab's health for GET /api/health; null (or absent) when no lab runs. `learner`: the signed-in
   * learner's id (their own instance), null without a session.
   */
  healthProvider?: (learner: string | null) => LabHealth | null | Promise<LabHealth | null>;
  /** With a lab per learner: the signed-in learner's own instance, reported in the health answer as `learnerLab`. */
  learnerLab?: (learner: string) => LearnerLabStatus;
  /** Terminal input of a learner (a lab pool counts it as activity). */
  onTerminalInput?: (learner: string) => void;
  /** A terminal socket of a learner is attaching (a lab pool thaws a paused instance first). */
  onTerminalAttach?: (learner: string) => void | Promise<void>;
  /** `patchbay dev`'s account of the lab's files, reported in the health answer as `dev`. */
  devStatus?: () => DevStatus;
  /** Exact origins allowed to open terminals; default: http://localhost:PORT and http://127.0.0.1:PORT. */
  allowedOrigins?: string[];
  limits?: Partial<TerminalLimits>;
  /** Extra HTTP handlers (the extension point: see Route.ts). */
  routes?: Route[];
  /** Parent cgroup for terminals (tests pass their own prefix); null disables cgroups. */
  cgroupParent?: string | null;
  /** The screen worker ends once no terminal has been open this long (the bench shortens it). */
  screenWorkerIdleMs?: number;
  heartbeatMs?: number;
}

export interface Gateway {
  server: Server;
  registry: TerminalRegistry;
  port: number;
  /** http://HOST:PORT as bound (localhost shown for loopback). */
  url: string;
  allowedOrigins: ReadonlySet<string>;
  /** Host names answered, whatever the port (anything else gets 403 PB_BAD_HOST). */
  allowedHosts: ReadonlySet<string>;
  mode: AuthMode;
  /** What to open to sign in: the URL (public URL in hosted mode) with `?token=`; printed at start. */
  signInUrl: string;
  /** Hosted mode: the admin token (null in local mode). */
  adminToken: string | null;
  /** What signs the instructor in (/instructor): hosted mode's admin token, local mode's sign-in token. */
  operatorToken: string;
  /** Where the token in signInUrl is kept, when on disk. */
  tokenFile: string | null;
  /** Hosted mode: where invite links point. */
  publicUrl: string;
  identity: Identity;
  /** Closes sockets, ends every terminal (waiting for their processes), stops listening. */
  close(): Promise<void>;
}

export async function createGateway(options: GatewayOptions = {}): Promise<Gateway> {
  const started = Date.now();
  const host = options.host ?? DEFAULT_HOST;
  const auth = options.auth ?? {};
  const mode: AuthMode = auth.mode ?? 'local';
  if (mode !== 'hosted' && !isLoopbackAddress(host)) throw new Error(nonLoopbackRefusal(host));
  const secrets = loadAuthSecrets({ dir: auth.dir ?? null, hosted: mode === 'hosted', ...(auth.renew ? { renew: true } : {}), ...(auth.adminToken ? { adminToken: auth.adminToken } : {}) });
  const routes = options.routes ?? [];
  const registry = new TerminalRegistry({
    resolver: options.resolver ?? new LocalTargetResolver(),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.cgroupParent !== undefined ? { cgroupParent: options.cgroupParent } : {}),
    ...(options.screenWorkerIdleMs !== undefined ? { screenWorkerIdleMs: options.screenWorkerIdleMs } : {}),
  });
  const origins = new Set<string>(options.allowedOrigins ?? []);
  const hosts = new Set<string>();
  let publicUrl = '';
  const identity = new Identity({
    mode,
    secrets,
    ...(auth.store ? { store: auth.store } : {}),
    ...(auth.invites ? { invites: auth.invites } : {}),
    ...(auth.limits ? { limits: auth.limits } : {}),
    ...(auth.now ? { now: auth.now } : {}),
    allowedOrigins: () => origins,
    publicUrl: () => publicUrl,
  });
  // New secrets end what the old ones handed out: sessions (the new key) and unused invite links.
  if (auth.renew) identity.invites.clear();
  const sockets = new TerminalSockets({
    registry,
    allowedOrigins: () => origins,
    authenticate: (req) => identity.authenticate(req),
    ...(options.onTerminalInput && { onInput: options.onTerminalInput }),
    ...(options.onTerminalAttach && { onAttach: options.onTerminalAttach }),
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

  const health = async (learner: string | null): Promise<HealthResponse> => ({
    status: 'ok',
    version: VERSION,
    uptimeSeconds: Math.round((Date.now() - started) / 1000),
    lab: options.healthProvider ? await options.healthProvider(learner) : null,
    ...(learner !== null && options.learnerLab && { learnerLab: options.learnerLab(learner) }),
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
    if (!allowedHost(req.headers.host, hosts)) {
      sendApiError(res, 'PB_BAD_HOST', req.headers.host ?? '(none)');
      return;
    }
    if (await identity.handle(req, res, url)) return;
    const session = identity.authenticate(req);
    const isHealth = url.pathname === HEALTH_PATH && (method === 'GET' || method === 'HEAD');
    if (!session) {
      // Health is a liveness probe (tests, operators, the dock's reason for a dropped socket): status and lab state, nothing of anyone.
      if (isHealth) sendJson(res, 200, await health(null));
      // A route that checks credentials of its own (the instructor's API with a bearer token).
      else if (!(await routeWithoutSession(req, res, url, method))) identity.refuse(req, res, url);
      return;
    }
    for (const route of routes) {
      const params = matchRoute(route, method, url.pathname);
      if (!params) continue;
      await route.handler(req, res, routeContext(req, res, url, params, session.learnerId, session.name));
      return;
    }
    if (isHealth) {
      sendJson(res, 200, await health(session.learnerId));
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      sendApiError(res, 'PB_NOT_FOUND', `${method} ${url.pathname}`);
      return;
    }
    fallback.request(req, res);
  }

  /** A route reached without a session (`withoutSession`); true when one answered. */
  async function routeWithoutSession(req: IncomingMessage, res: ServerResponse, url: URL, method: string): Promise<boolean> {
    for (const route of routes) {
      const params = route.withoutSession ? matchRoute(route, method, url.pathname) : null;
      if (!params) continue;
      await route.handler(req, res, routeContext(req, res, url, params, '', null));
      return true;
    }
    return false;
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    socket.on('error', () => socket.destroy());
    if (!allowedHost(req.headers.host, hosts)) {
      refuse(socket, 'PB_BAD_HOST', req.headers.host ?? '(none)');
    } else if (TerminalSockets.handles(url.pathname)) {
      void sockets.handleUpgrade(req, socket, head, url).catch(() => socket.destroy());
    } else if (!identity.authenticate(req)) {
      refuse(socket, 'PB_NO_SESSION');
    } else if (upgradeRoute(url.pathname)) {
      // A route's own socket (the instructor's read-only terminal view); it checks what else it needs.
      const route = upgradeRoute(url.pathname)!;
      const ctx = { sessionId: identity.authenticate(req)!.learnerId, url, params: matchRoute(route, 'GET', url.pathname)! };
      void Promise.resolve(route.upgrade!(req, socket, head, ctx)).catch(() => socket.destroy());
    } else if (fallback.upgrade) {
      fallback.upgrade(req, socket, head);
    } else {
      socket.destroy();
    }
  });

  function upgradeRoute(pathname: string): Route | undefined {
    return routes.find((r) => r.upgrade && matchRoute(r, 'GET', pathname));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  identity.cookieName = sessionCookieName(port);
  for (const h of LOOPBACK_HOSTNAMES) hosts.add(h);
  if (!options.allowedOrigins) {
    origins.add(`http://localhost:${port}`);
    origins.add(`http://127.0.0.1:${port}`);
    origins.add(`http://[::1]:${port}`);
  }
  const shownHost = isLoopbackAddress(host) || host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}`;
  publicUrl = (mode === 'hosted' && auth.publicUrl ? auth.publicUrl : url).replace(/\/$/, '');
  if (mode === 'hosted') {
    hosts.add(hostnameOfUrl(publicUrl));
    for (const h of auth.allowedHosts ?? []) hosts.add(hostname(h));
    if (!options.allowedOrigins) origins.add(new URL(publicUrl).origin);
  }

  let closing: Promise<void> | null = null;
  return {
    server,
    registry,
    port,
    url,
    allowedOrigins: origins,
    allowedHosts: hosts,
    mode,
    signInUrl: `${publicUrl}/?token=${secrets.signInToken}`,
    adminToken: secrets.adminToken,
    operatorToken: secrets.adminToken ?? secrets.signInToken,
    tokenFile: secrets.tokenFile,
    publicUrl,
    identity,
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

/** What a route handler gets besides the request and response; a route reached without a session has sessionId ''. */
function routeContext(req: IncomingMessage, res: ServerResponse, url: URL, params: Record<string, string>, sessionId: string, displayName: string | null): RouteContext {
  return {
    sessionId,
    displayName,
    url,
    params,
    sendJson: (status, value) => sendJson(res, status, value),
    sendError: (code, ...args) => sendApiError(res, code, ...args),
    readJson: (maxBytes) => readJsonBody(req, res, maxBytes),
  };
}
