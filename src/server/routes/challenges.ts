/**
 * HTTP routes of the challenge API (wire contract: src/protocol/challenges.ts): list, detail, check,
 * reveal, progress, and a bounded read-only pass-through to the lab's Prometheus for graphs and editor
 * completion. Thin: grading is src/checker's checkAnswer, storage its ProgressStore.
 *
 *   createGateway({ routes: [...challengeRoutes({ set, prometheus: () => client, progress })] })
 */
import type { ServerResponse } from 'node:http';
import {
  CHALLENGES_PATH,
  PROGRESS_PATH,
  PROMETHEUS_PROXY_PREFIX,
  type ChallengeDetail,
  type ChallengeListResponse,
  type ChallengeSummary,
  type CheckError,
  type CheckResponse,
  type ProgressResponse,
  type RevealResponse,
} from '../../protocol/challenges.ts';
import { ErrorRegistry } from '../../protocol/errors.ts';
import { DashboardLimits, TIME_RANGES, type Panel } from '../../protocol/dashboard.ts';
import { panelCheckPath, type PanelCheckResponse, type PanelReveal } from '../../protocol/panelChallenges.ts';
import type { Challenge, ChallengeSet, PanelChallenge } from '../../checker/challenges.ts';
import { checkAnswer, liveWindow } from '../../checker/checkAnswer.ts';
import { checkPanel, referencePanel, referencePanelText } from '../../checker/checkPanel.ts';
import { Limiter } from '../../checker/limiter.ts';
import { sharedAnalysisPool } from '../../checker/AnalysisPool.ts';
import type { PrometheusClient, RangeWindow } from '../../checker/prometheusClient.ts';
import type { ProgressStore, SessionProgress } from '../progressStore.ts';
import { readBody, refuseBody, type Route, type RouteContext } from '../Route.ts';

export const ChallengeRouteLimits = {
  /** A check body is one query (≤ 4096 characters) in JSON; anything bigger is not an answer. */
  MAX_CHECK_BODY_BYTES: 16 * 1024,
  /** Proxied Prometheus requests: the graphs poll every few seconds; a slow query gives up here. */
  PROXY_TIMEOUT_MS: 5_000,
  /** Largest proxied answer: a lesson graph is kilobytes; `series` over everything is not for a browser. */
  PROXY_MAX_RESPONSE_BYTES: 4 * 1024 * 1024,
  /** Proxied requests in flight at once (all learners), and waiting beyond that before refusing. */
  PROXY_CONCURRENCY: 8,
  PROXY_QUEUE: 64,
  MAX_PROXY_FORM_BYTES: 16 * 1024,
  /** Checks one session may have in flight: a double click is fine, a script hammering the API is not
   * allowed to fill the shared Prometheus queue that other learners wait in. */
  MAX_CHECKS_PER_SESSION: 2,
  /** A panel check body: up to 8 queries of ≤ 4096 characters each, their legends and a title, in JSON. */
  MAX_PANEL_CHECK_BODY_BYTES: 64 * 1024,
} as const;

const PROXY_API = `${PROMETHEUS_PROXY_PREFIX}/api/v1/`;
const PROXY_ALLOWED = /^(query|query_range|series|labels|label\/[A-Za-z_][A-Za-z0-9_]*\/values|metadata)$/;

export interface ChallengeRoutesOptions {
  /** The challenges, or a function giving the current ones (`patchbay dev` reloads them; null: none loaded). */
  set: ChallengeSet | (() => ChallengeSet | null);
  /** The lab's Prometheus, or null while no lab is ready. */
  prometheus: () => PrometheusClient | null;
  progress: ProgressStore;
  /** Evaluation window for a check; default: the live window ending now. */
  window?: () => RangeWindow;
}

export function challengeRoutes(options: ChallengeRoutesOptions): Route[] {
  const { progress } = options;
  const given = options.set;
  const currentSet = typeof given === 'function' ? given : () => given;
  const windowFor = (set: ChallengeSet) => (options.window ? options.window() : liveWindow(set));
  const proxyLimiter = new Limiter(ChallengeRouteLimits.PROXY_CONCURRENCY, ChallengeRouteLimits.PROXY_QUEUE);
  const checksInFlight = new Map<string, number>();
  // Answers are analysed in worker threads (checkAnswer); start one now rather than on the first check.
  sharedAnalysisPool().warm();

  /** The current set, or null after answering that there is none. */
  const setFor = (ctx: RouteContext): ChallengeSet | null => {
    const set = currentSet();
    if (!set) ctx.sendError('PB_LAB_NOT_READY', 'without challenges: its challenges.yaml is missing or has errors (see the lab status)');
    return set;
  };
  /** A query or a panel challenge by the route's id, or null after answering that there is none. */
  const findAny = (ctx: RouteContext): { set: ChallengeSet; c: Challenge | PanelChallenge } | null => {
    const set = setFor(ctx);
    const id = ctx.params.id ?? '';
    const c = set?.byId.get(id) ?? set?.panelById.get(id);
    if (set && !c) ctx.sendError('PB_UNKNOWN_CHALLENGE', id);
    return set && c ? { set, c } : null;
  };
  const find = (ctx: RouteContext): { set: ChallengeSet; c: Challenge } | null => {
    const found = findAny(ctx);
    if (found && isPanel(found.c)) {
      ctx.sendError('PB_BAD_REQUEST', `${found.c.id} is a panel challenge: POST the panel to ${panelCheckPath(found.c.id)}`);
      return null;
    }
    return found as { set: ChallengeSet; c: Challenge } | null;
  };
  const summary = (c: Challenge | PanelChallenge, p: SessionProgress): ChallengeSummary => ({ id: c.id, title: c.title, lesson: c.lesson, passed: p[c.id]?.passed ?? false });
  const revealable = (c: Challenge | PanelChallenge, p: SessionProgress) => (p[c.id]?.attempts ?? 0) > 0;
  const referenceOf = (c: Challenge | PanelChallenge) => (isPanel(c) ? referencePanelText(c) : c.reference);

  /**
   * One graded check for the session, within its in-flight bound: runs `grade`, then records the attempt
   * unless the answer was never graded (the registry says which errors those are), and sends the result.
   */
  const runCheck = async <R extends { passed: boolean; error?: CheckError }>(ctx: RouteContext, id: string, grade: () => Promise<R>): Promise<void> => {
    const running = checksInFlight.get(ctx.sessionId) ?? 0;
    if (running >= ChallengeRouteLimits.MAX_CHECKS_PER_SESSION) return ctx.sendError('PB_TOO_MANY_CHECKS', String(running));
    checksInFlight.set(ctx.sessionId, running + 1);
    let outcome: R;
    try {
      outcome = await grade();
    } finally {
      const left = (checksInFlight.get(ctx.sessionId) ?? 1) - 1;
      if (left > 0) checksInFlight.set(ctx.sessionId, left);
      else checksInFlight.delete(ctx.sessionId);
    }
    // An answer that was never graded (the lab is down, or has not yet produced the data the question
    // is about) is not an attempt; the registry says which errors those are.
    const counted = outcome.error === undefined || ErrorRegistry.check[outcome.error.kind].attempt;
    const after = counted ? await progress.recordAttempt(ctx.sessionId, id, outcome.passed) : (await progress.get(ctx.sessionId))[id];
    ctx.sendJson(200, { ...outcome, revealable: (after?.attempts ?? 0) > 0 });
  };

  return [
    {
      method: 'GET',
      path: CHALLENGES_PATH,
      handler: async (_req, _res, ctx) => {
        const set = setFor(ctx);
        if (!set) return;
        const p = await progress.get(ctx.sessionId);
        ctx.sendJson(200, { lab: set.lab, scrapeIntervalSeconds: set.scrapeInterval, challenges: set.ids.map((id) => summary((set.byId.get(id) ?? set.panelById.get(id))!, p)) } satisfies ChallengeListResponse);
      },
    },
    {
      method: 'GET',
      path: `${CHALLENGES_PATH}/:id`,
      handler: async (_req, _res, ctx) => {
        const found = findAny(ctx);
        if (!found) return;
        const { set, c } = found;
        const p = await progress.get(ctx.sessionId);
        const mine = p[c.id];
        const detail: ChallengeDetail = {
          ...summary(c, p),
          ...(isPanel(c) && { kind: 'panel' as const }),
          prompt: c.prompt,
          variables: c.variables,
          scrapeIntervalSeconds: set.scrapeInterval,
          rangePolicy: isPanel(c) ? 'exact' : c.range,
          ignoreLabels: isPanel(c) ? [] : c.ignoreLabels,
          revealable: revealable(c, p),
          ...(mine?.revealed || mine?.passed ? { reference: referenceOf(c) } : {}),
        };
        ctx.sendJson(200, detail);
      },
    },
    {
      method: 'POST',
      path: `${CHALLENGES_PATH}/:id/check`,
      handler: async (_req, _res, ctx) => {
        const found = find(ctx);
        if (!found) return;
        const { set, c } = found;
        const body = await ctx.readJson(ChallengeRouteLimits.MAX_CHECK_BODY_BYTES);
        if (!body.ok) return;
        const query = (body.value as { query?: unknown } | null)?.query;
        if (typeof query !== 'string') return ctx.sendError('PB_BAD_REQUEST', 'Expected a JSON body {"query": "…"} with the PromQL answer as a string');
        const prometheus = options.prometheus();
        if (!prometheus) return ctx.sendError('PB_LAB_NOT_READY', 'not running: start it with `patchbay up`');
        await runCheck(ctx, c.id, async () => (await checkAnswer(c, query, { prometheus, window: windowFor(set), scrapeSeconds: set.scrapeInterval })) satisfies Omit<CheckResponse, 'revealable'>);
      },
    },
    {
      method: 'POST',
      path: `${CHALLENGES_PATH}/:id/check-panel`,
      handler: async (_req, _res, ctx) => {
        const found = findAny(ctx);
        if (!found) return;
        const { set, c } = found;
        if (!isPanel(c)) return ctx.sendError('PB_BAD_REQUEST', `${c.id} asks for one query: POST {"query": "…"} to ${CHALLENGES_PATH}/${c.id}/check`);
        const body = await ctx.readJson(ChallengeRouteLimits.MAX_PANEL_CHECK_BODY_BYTES);
        if (!body.ok) return;
        const panel = panelOf((body.value as { panel?: unknown } | null)?.panel);
        if (typeof panel === 'string') return ctx.sendError('PB_BAD_REQUEST', `Expected a JSON body {"panel": {…}} with the dashboard panel: ${panel}`);
        const prometheus = options.prometheus();
        if (!prometheus) return ctx.sendError('PB_LAB_NOT_READY', 'not running: start it with `patchbay up`');
        await runCheck(ctx, c.id, async () => (await checkPanel(c, panel, { prometheus, window: windowFor(set), scrapeSeconds: set.scrapeInterval })) satisfies Omit<PanelCheckResponse, 'revealable'>);
      },
    },
    {
      method: 'POST',
      path: `${CHALLENGES_PATH}/:id/reveal`,
      handler: async (_req, _res, ctx) => {
        const found = findAny(ctx);
        if (!found) return;
        const { c } = found;
        const p = await progress.get(ctx.sessionId);
        if (!revealable(c, p)) return ctx.sendError('PB_REVEAL_LOCKED', c.id);
        await progress.markRevealed(ctx.sessionId, c.id);
        const panel: PanelReveal | undefined = isPanel(c) ? { panel: referencePanel(c) } : undefined;
        ctx.sendJson(200, { challengeId: c.id, reference: referenceOf(c), ...panel } satisfies RevealResponse & Partial<PanelReveal>);
      },
    },
    {
      method: 'GET',
      path: PROGRESS_PATH,
      handler: async (_req, _res, ctx) => {
        ctx.sendJson(200, { challenges: await progress.get(ctx.sessionId) } satisfies ProgressResponse);
      },
    },
    {
      prefix: PROXY_API,
      handler: async (req, res, ctx) => {
        const sub = ctx.url.pathname.slice(PROXY_API.length);
        if (!PROXY_ALLOWED.test(sub)) return ctx.sendError('PB_NOT_FOUND', ctx.url.pathname);
        if (req.method !== 'GET' && req.method !== 'POST') return ctx.sendError('PB_BAD_REQUEST', `Method ${req.method} is not allowed on the Prometheus proxy`);
        const prometheus = options.prometheus();
        if (!prometheus) return ctx.sendError('PB_LAB_NOT_READY', 'not running: start it with `patchbay up`');
        const body = req.method === 'POST' ? await readBody(req, ChallengeRouteLimits.MAX_PROXY_FORM_BYTES) : Buffer.alloc(0);
        if (body === 'too-large') return refuseBody(res, ChallengeRouteLimits.MAX_PROXY_FORM_BYTES);
        if (body === null) return;
        const form = body.toString('utf8');
        const outcome = await proxyLimiter.run(() => forward(`${prometheus.baseUrl}/api/v1/${sub}${ctx.url.search}`, req.method!, form, res));
        if (outcome.refused) ctx.sendError('PB_UPSTREAM', 'Prometheus is busy; try again in a moment');
        else if (outcome.value !== null) ctx.sendError('PB_UPSTREAM', outcome.value);
      },
    },
  ];
}

function isPanel(c: Challenge | PanelChallenge): c is PanelChallenge {
  return 'kind' in c && c.kind === 'panel';
}

/** The panel of a check request within the dashboard's bounds, or what is wrong with it. */
function panelOf(value: unknown): Panel | string {
  if (value === null || typeof value !== 'object') return 'no panel';
  const p = value as Record<string, unknown>;
  if (typeof p.title !== 'string' || p.title.length > DashboardLimits.MAX_TITLE_CHARS) return `title: expected a string of at most ${DashboardLimits.MAX_TITLE_CHARS} characters`;
  if (!Array.isArray(p.queries) || p.queries.length > DashboardLimits.MAX_QUERIES_PER_PANEL) return `queries: expected an array of at most ${DashboardLimits.MAX_QUERIES_PER_PANEL}`;
  const queries: Panel['queries'] = [];
  for (const [i, q] of (p.queries as unknown[]).entries()) {
    const r = (q ?? {}) as Record<string, unknown>;
    if (typeof r.refId !== 'string' || r.refId.length > 8) return `queries.${i}.refId: expected A, B, …`;
    if (typeof r.expr !== 'string' || r.expr.length > DashboardLimits.MAX_QUERY_CHARS) return `queries.${i}.expr: expected a query of at most ${DashboardLimits.MAX_QUERY_CHARS} characters`;
    if (r.legendMode !== 'auto' && r.legendMode !== 'verbose' && r.legendMode !== 'custom') return `queries.${i}.legendMode: expected auto, verbose or custom`;
    if (r.legendFormat !== undefined && (typeof r.legendFormat !== 'string' || r.legendFormat.length > DashboardLimits.MAX_LEGEND_CHARS)) return `queries.${i}.legendFormat: expected a string of at most ${DashboardLimits.MAX_LEGEND_CHARS} characters`;
    queries.push({ refId: r.refId, expr: r.expr, legendMode: r.legendMode, ...(typeof r.legendFormat === 'string' && { legendFormat: r.legendFormat }) });
  }
  const timeRange = TIME_RANGES.find((t) => t === p.timeRange) ?? '5m';
  return { id: typeof p.id === 'string' ? p.id.slice(0, 64) : 'panel', title: p.title, timeRange, queries };
}

/** Streams Prometheus' answer through; returns an error message instead when it cannot. */
async function forward(url: string, method: string, form: string, res: ServerResponse): Promise<string | null> {
  let upstream: Response;
  try {
    upstream = await fetch(url, {
      method,
      headers: method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : undefined,
      body: method === 'POST' ? form : undefined,
      signal: AbortSignal.timeout(ChallengeRouteLimits.PROXY_TIMEOUT_MS),
    });
  } catch (err) {
    const e = err as Error;
    return e.name === 'TimeoutError' ? `Prometheus gave no answer within ${ChallengeRouteLimits.PROXY_TIMEOUT_MS} ms` : `Cannot reach Prometheus: ${e.message}`;
  }
  const declared = Number(upstream.headers.get('content-length') ?? 0);
  if (declared > ChallengeRouteLimits.PROXY_MAX_RESPONSE_BYTES) {
    await upstream.body?.cancel();
    return `Prometheus' answer is larger than ${ChallengeRouteLimits.PROXY_MAX_RESPONSE_BYTES} bytes; narrow the query`;
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of upstream.body as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength;
      if (total > ChallengeRouteLimits.PROXY_MAX_RESPONSE_BYTES) {
        await upstream.body?.cancel().catch(() => undefined);
        return `Prometheus' answer is larger than ${ChallengeRouteLimits.PROXY_MAX_RESPONSE_BYTES} bytes; narrow the query`;
      }
      chunks.push(chunk);
    }
  } catch (err) {
    return `Prometheus' answer was cut off: ${(err as Error).message}`;
  }
  const body = Buffer.concat(chunks);
  res.writeHead(upstream.status, {
    'content-type': upstream.headers.get('content-type') ?? 'application/json',
    'content-length': body.byteLength,
    'cache-control': 'no-store',
  });
  res.end(body);
  return null;
}
