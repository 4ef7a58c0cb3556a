/**
 * POST /api/explain (wire contract: src/protocol/explain.ts): the explain view of a learner's query,
 * every sub-expression evaluated on the learner's own Prometheus at the end of the live window a check
 * would use, with Grafana's variables (and, when named, a challenge's own) substituted as a check does.
 * Thin: the work is src/checker/explain.ts; a session has at most a couple of explains in flight.
 *
 *   createGateway({ routes: [...explainRoutes({ set, prometheus: () => client })] })
 */
import { EXPLAIN_PATH, ExplainLimits, type ExplainResponse } from '../../protocol/explain.ts';
import { grafanaVariables } from '../../protocol/grafanaVariables.ts';
import type { ChallengeSet } from '../../checker/challenges.ts';
import { liveWindow, variablesFor } from '../../checker/checkAnswer.ts';
import { explainQuery } from '../../checker/explain.ts';
import type { PrometheusClient, RangeWindow } from '../../checker/prometheusClient.ts';
import type { Route } from '../Route.ts';

/** A request body is one query (≤ 4096 characters) and a challenge id, in JSON. */
const MAX_EXPLAIN_BODY_BYTES = 16 * 1024;

export interface ExplainRoutesOptions {
  /** The lab's challenges (scrape interval, live window, a challenge's variables), or a function giving the current ones. */
  set: ChallengeSet | (() => ChallengeSet | null);
  /** The learner's Prometheus, or null while no lab is ready. */
  prometheus: () => PrometheusClient | null;
  /** The window whose end the nodes are evaluated at and whose length Grafana's variables take; default: the live window. */
  window?: () => RangeWindow;
}

export function explainRoutes(options: ExplainRoutesOptions): Route[] {
  const given = options.set;
  const currentSet = typeof given === 'function' ? given : () => given;
  const inFlight = new Map<string, number>();
  return [
    {
      method: 'POST',
      path: EXPLAIN_PATH,
      handler: async (_req, _res, ctx) => {
        const body = await ctx.readJson(MAX_EXPLAIN_BODY_BYTES);
        if (!body.ok) return;
        const { query, challenge } = (body.value ?? {}) as { query?: unknown; challenge?: unknown };
        if (typeof query !== 'string' || (challenge !== undefined && typeof challenge !== 'string')) {
          return ctx.sendError('PB_BAD_REQUEST', 'Expected a JSON body {"query": "…", "challenge"?: "id"} with the PromQL query as a string');
        }
        const set = currentSet();
        if (!set) return ctx.sendError('PB_LAB_NOT_READY', 'without challenges: its challenges.yaml is missing or has errors (see the lab status)');
        const c = challenge === undefined ? null : set.byId.get(challenge);
        if (c === undefined) return ctx.sendError('PB_UNKNOWN_CHALLENGE', String(challenge));
        const prometheus = options.prometheus();
        if (!prometheus) return ctx.sendError('PB_LAB_NOT_READY', 'not running: start it with `patchbay up`');
        const running = inFlight.get(ctx.sessionId) ?? 0;
        if (running >= ExplainLimits.MAX_EXPLAINS_PER_SESSION) return ctx.sendError('PB_TOO_MANY_CHECKS', String(running));
        inFlight.set(ctx.sessionId, running + 1);
        try {
          const window = options.window?.() ?? liveWindow(set);
          const scrapeSeconds = set.scrapeInterval;
          const variables = c ? variablesFor(c, window, scrapeSeconds) : grafanaVariables({ scrapeSeconds, intervalSeconds: window.step, rangeSeconds: window.end - window.start });
          const response: ExplainResponse = await explainQuery(query, { prometheus, time: window.end, variables });
          ctx.sendJson(200, response);
        } finally {
          const left = (inFlight.get(ctx.sessionId) ?? 1) - 1;
          if (left > 0) inFlight.set(ctx.sessionId, left);
          else inFlight.delete(ctx.sessionId);
        }
      },
    },
  ];
}
