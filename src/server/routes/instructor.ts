/**
 * The instructor's API, under /api/instructor/ (wire shapes: src/protocol/instructor.ts), for the
 * /instructor page (src/pages/instructor.tsx) and for scripts:
 *
 *   POST sign-in {token}            the operator's token → the instructor cookie (instructorAuth.ts)
 *   POST sign-out
 *   GET  roster                     learners: name, instance and its health, lesson, progress, last activity, terminals
 *   GET  progress.csv               Roster.progressCsv() as a download
 *   POST learners/:key/reset|end    LabPool.reset / release of that learner's lab
 *   WS   terminals/:key/:terminal   a read-only view of a learner's terminal (TerminalSession.observe)
 *
 * Everything but sign-in needs the instructor (Bearer token or cookie); a learner's session is not enough
 * (401 PB_NOT_INSTRUCTOR). Requests with the cookie from a browser must come from an allowed Origin.
 * The gateway is given late (`gateway()`): routes are made before it exists.
 *
 *   let gateway: Gateway | undefined;
 *   const routes = instructorRoutes({ roster, pool, gateway: () => gateway ?? null });
 *   gateway = await createGateway({ routes: [...routes, ...others] });
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket } from 'ws';
import { closeCodeOf, terminalError } from '../../protocol/errors.ts';
import { InputLimits, OBSERVE_PATH, ServerMessage, encodeJsonFrame } from '../../protocol/terminal.ts';
import {
  INSTRUCTOR_PATHS,
  type InstructorLearner,
  type InstructorRoster,
  type LearnerActionResult,
  type LearnerInstance,
  type LearnerTerminal,
} from '../../protocol/instructor.ts';
import type { LabPool, RosterEntry as PoolEntry } from '../../lab/LabPool.ts';
import type { TerminalRegistry } from '../../terminal/TerminalRegistry.ts';
import { learnerKey } from '../database.ts';
import type { Roster } from '../roster.ts';
import { sendApiError, sendJson, type Route } from '../Route.ts';
import { refuse, terminalClientOf } from '../terminalSockets.ts';
import { InstructorAuth } from './instructorAuth.ts';

/** What the routes need of the gateway, once it exists. */
export interface InstructorGateway {
  registry: TerminalRegistry;
  /** The operator's token (Gateway.operatorToken). */
  operatorToken: string;
  allowedOrigins: ReadonlySet<string>;
  port: number;
}

export interface InstructorRoutesOptions {
  roster: Roster;
  /** The lab pool when every learner has a lab of their own; null (one shared lab, or none): no end/reset. */
  pool: LabPool | null | (() => LabPool | null);
  gateway: () => InstructorGateway | null;
  /** The roster key of a pool owner or terminal session id (default learnerKey: owners are learner ids). */
  keyOf?: (owner: string) => string;
  auth?: InstructorAuth;
}

const SIGN_IN_MAX_BYTES = 1024;

export function instructorRoutes(options: InstructorRoutesOptions): Route[] {
  const { roster } = options;
  const keyOf = options.keyOf ?? learnerKey;
  const auth = options.auth ?? new InstructorAuth();
  const pool = () => (typeof options.pool === 'function' ? options.pool() : options.pool);
  const wss = new WebSocketServer({ noServer: true, maxPayload: InputLimits.MAX_FRAME_BYTES, perMessageDeflate: false });

  /** The gateway when the request is the instructor's; else the refusal is already answered. */
  const instructor = (req: IncomingMessage, res: ServerResponse, { write = false } = {}): InstructorGateway | null => {
    const gw = options.gateway();
    if (!gw) {
      sendApiError(res, 'PB_INTERNAL', 'the instructor API is not bound to a gateway yet');
      return null;
    }
    if (!auth.isInstructor(req, gw.operatorToken, gw.port)) {
      res.setHeader('www-authenticate', 'Bearer realm="patchbay instructor"');
      sendApiError(res, 'PB_NOT_INSTRUCTOR');
      return null;
    }
    // The cookie rides along with any request the browser makes: a change must come from our own pages.
    const origin = req.headers.origin;
    if (write && origin !== undefined && !gw.allowedOrigins.has(origin)) {
      sendApiError(res, 'PB_BAD_ORIGIN', origin);
      return null;
    }
    return gw;
  };

  const ownersOf = (key: string): string[] => {
    const owners = new Set<string>();
    for (const e of pool()?.list() ?? []) if (keyOf(e.owner) === key) owners.add(e.owner);
    for (const e of options.gateway()?.registry.entries() ?? []) if (keyOf(e.sessionId) === key) owners.add(e.sessionId);
    return [...owners];
  };

  const rosterOf = (gw: InstructorGateway): InstructorRoster => {
    const labs = pool();
    const byKey = new Map<string, PoolEntry>();
    for (const e of labs?.list() ?? []) byKey.set(keyOf(e.owner), e);
    const terminals = new Map<string, LearnerTerminal[]>();
    for (const e of gw.registry.entries()) {
      const key = keyOf(e.sessionId);
      const list = terminals.get(key) ?? [];
      list.push({ id: e.terminalId, host: e.session.spec.host, watchers: e.session.watcherCount });
      terminals.set(key, list);
    }
    const learners: InstructorLearner[] = roster.list().map((r) => {
      const live = byKey.get(r.key);
      byKey.delete(r.key);
      const fromPool = live ? instanceOf(live) : null;
      const instance: LearnerInstance | null = fromPool ?? (r.instance && !labs ? { id: r.instance.instanceId, state: 'active', health: null, assignedAt: r.instance.assignedAt } : null);
      return {
        key: r.key,
        name: r.name,
        address: r.address,
        lesson: r.lesson,
        firstSeenAt: r.createdAt,
        lastSeenAt: r.lastSeenAt,
        lastActivityAt: live?.lastActivity ?? null,
        revoked: r.revokedAt !== null,
        instance,
        progress: r.progress,
        terminals: sortById(terminals.get(r.key) ?? []),
      };
    });
    // Owners the pool knows and the roster does not (a gateway without the roster's session store).
    for (const [key, live] of byKey) {
      learners.push({
        key,
        name: null,
        address: null,
        lesson: null,
        firstSeenAt: null,
        lastSeenAt: null,
        lastActivityAt: live.lastActivity ?? null,
        revoked: false,
        instance: instanceOf(live),
        progress: { tried: 0, passed: 0, attempts: 0, reveals: 0, lastAttemptAt: null },
        terminals: sortById(terminals.get(key) ?? []),
      });
    }
    const stats = labs?.stats();
    return {
      now: Date.now(),
      pool: stats ? { maxInstances: stats.maxInstances, assigned: stats.assigned, warm: stats.warm, starting: stats.starting, waiting: stats.waiting } : null,
      learners,
    };
  };

  const knownKey = (gw: InstructorGateway, key: string): boolean => rosterOf(gw).learners.some((l) => l.key === key);

  const action = (kind: 'reset' | 'end'): Route => ({
    method: 'POST',
    path: INSTRUCTOR_PATHS[kind],
    withoutSession: true,
    handler: async (req, res, ctx) => {
      const gw = instructor(req, res, { write: true });
      if (!gw) return;
      const key = ctx.params.key!;
      const labs = pool();
      if (!labs) return ctx.sendError('PB_NO_LAB_POOL', kind);
      if (!knownKey(gw, key)) return ctx.sendError('PB_NO_LEARNER', key);
      const owners = ownersOf(key);
      const held = owners.filter((o) => labs.instanceOf(o) !== null || labs.waitStatus(o) !== null);
      let result: LearnerActionResult;
      if (kind === 'end') {
        await Promise.all(held.map((o) => labs.release(o)));
        result = { key, action: kind, done: held.length > 0, message: held.length ? 'their lab was ended; they get a fresh one when they next need it' : 'they held no lab' };
      } else {
        // Answered once the old instance is on its way out; the new one shows on the roster when assigned.
        for (const o of held) void labs.reset(o);
        result = { key, action: kind, done: held.length > 0, message: held.length ? 'their lab is being replaced by a fresh one' : 'they held no lab to reset' };
      }
      ctx.sendJson(200, result);
    },
  });

  return [
    {
      method: 'POST',
      path: INSTRUCTOR_PATHS.signIn,
      withoutSession: true,
      handler: async (req, res, ctx) => {
        const gw = options.gateway();
        if (!gw) return ctx.sendError('PB_INTERNAL', 'the instructor API is not bound to a gateway yet');
        const origin = req.headers.origin;
        if (origin !== undefined && !gw.allowedOrigins.has(origin)) return ctx.sendError('PB_BAD_ORIGIN', origin);
        const body = await ctx.readJson(SIGN_IN_MAX_BYTES);
        if (!body.ok) return;
        const token = (body.value as { token?: unknown } | null)?.token;
        if (typeof token !== 'string') return ctx.sendError('PB_BAD_REQUEST', 'The body must be {"token": "…"}');
        const signedIn = auth.signIn(req, token.trim(), gw.operatorToken, gw.port);
        if (!signedIn.ok) return signedIn.why === 'limited' ? ctx.sendError('PB_TOO_MANY_SIGN_INS', signedIn.address) : ctx.sendError('PB_NOT_INSTRUCTOR');
        res.setHeader('set-cookie', signedIn.cookie);
        ctx.sendJson(200, { ok: true });
      },
    },
    {
      method: 'POST',
      path: INSTRUCTOR_PATHS.signOut,
      withoutSession: true,
      handler: (_req, res, ctx) => {
        const gw = options.gateway();
        if (gw) res.setHeader('set-cookie', auth.signOutCookie(gw.port));
        ctx.sendJson(200, { ok: true });
      },
    },
    {
      method: 'GET',
      path: INSTRUCTOR_PATHS.roster,
      withoutSession: true,
      handler: (req, res) => {
        const gw = instructor(req, res);
        if (gw) sendJson(res, 200, rosterOf(gw));
      },
    },
    {
      method: 'GET',
      path: INSTRUCTOR_PATHS.progressCsv,
      withoutSession: true,
      handler: (req, res) => {
        if (!instructor(req, res)) return;
        const body = roster.progressCsv();
        const day = new Date().toISOString().slice(0, 10);
        res.writeHead(200, {
          'content-type': 'text/csv; charset=utf-8; header=present',
          'content-disposition': `attachment; filename="patchbay-progress-${day}.csv"`,
          'content-length': Buffer.byteLength(body),
          'cache-control': 'no-store',
        });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
    },
    action('reset'),
    action('end'),
    {
      path: `${OBSERVE_PATH}:key/:terminalId`,
      handler: (_req, _res, ctx) => ctx.sendError('PB_BAD_REQUEST', 'This is a WebSocket: the read-only view of a terminal'),
      upgrade: (req, socket, head, ctx) => observe(req, socket, head, ctx.params.key!, ctx.params.terminalId!),
    },
  ];

  function observe(req: IncomingMessage, socket: Duplex, head: Buffer, key: string, terminalId: string): void {
    const gw = options.gateway();
    if (!gw) return refuse(socket, 'PB_INTERNAL', 'the instructor API is not bound to a gateway yet');
    const origin = req.headers.origin;
    if (!origin || !gw.allowedOrigins.has(origin)) return refuse(socket, 'PB_BAD_ORIGIN', origin ?? '(none)');
    if (!auth.isInstructor(req, gw.operatorToken, gw.port)) return refuse(socket, 'PB_NOT_INSTRUCTOR');
    const entry = gw.registry.entries().find((e) => e.terminalId === terminalId && keyOf(e.sessionId) === key);
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => {});
      if (!entry) {
        ws.send(encodeJsonFrame(ServerMessage.Error, terminalError('PB_NO_TERMINAL', terminalId)), { binary: true });
        ws.close(closeCodeOf('PB_NO_TERMINAL'), 'PB_NO_TERMINAL');
        return;
      }
      const client = terminalClientOf(ws);
      const { session } = entry;
      if (!session.observe(client)) return;
      // Only acks are read; input and resizes are dropped by the session (handleWatcherFrame).
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (isBinary) session.handleWatcherFrame(client, data);
      });
      ws.on('close', () => session.unobserve(client));
    });
  }
}

function instanceOf(e: PoolEntry): LearnerInstance {
  if (e.state === 'waiting') return { id: null, state: 'waiting', health: null, ...(e.place !== undefined && { place: e.place }) };
  return {
    id: e.instance ?? null,
    state: e.state,
    health: e.health ?? null,
    ...(e.assignedAt !== undefined && { assignedAt: e.assignedAt }),
    ...(e.reclaimAt !== undefined && { reclaimAt: e.reclaimAt }),
    ...(e.paused && { paused: true }),
  };
}

function sortById(terminals: LearnerTerminal[]): LearnerTerminal[] {
  return terminals.sort((a, b) => a.id.localeCompare(b.id));
}


