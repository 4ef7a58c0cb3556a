/**
 * The learner's own lab instance (wire contract: src/protocol/learnerLab.ts):
 *   GET  /api/lab        its state: none, queued (place, estimate), starting, ready, warned, fresh
 *   POST /api/lab        acquire one (first need; the page's "Start my lab")
 *   POST /api/lab/stay   activity: clears the idle warning
 *   POST /api/lab/reset  a fresh instance in place of this one (its terminals end and reopen)
 * Each answers the state after the action. GET is not activity (the page polls it).
 */
import { LEARNER_LAB_PATH, LEARNER_LAB_RESET_PATH, LEARNER_LAB_STAY_PATH } from '../../protocol/learnerLab.ts';
import type { LearnerLabs } from '../learnerLabs.ts';
import type { Route } from '../Route.ts';

export function learnerLabRoutes(labs: LearnerLabs): Route[] {
  return [
    { method: 'GET', path: LEARNER_LAB_PATH, handler: (_req, _res, ctx) => ctx.sendJson(200, labs.status(ctx.sessionId)) },
    {
      method: 'POST',
      path: LEARNER_LAB_PATH,
      handler: (_req, _res, ctx) => {
        if (!labs.stay(ctx.sessionId)) void labs.acquire(ctx.sessionId);
        ctx.sendJson(200, labs.status(ctx.sessionId));
      },
    },
    {
      method: 'POST',
      path: LEARNER_LAB_STAY_PATH,
      handler: (_req, _res, ctx) => {
        labs.stay(ctx.sessionId);
        ctx.sendJson(200, labs.status(ctx.sessionId));
      },
    },
    {
      method: 'POST',
      path: LEARNER_LAB_RESET_PATH,
      handler: (_req, _res, ctx) => {
        labs.reset(ctx.sessionId);
        ctx.sendJson(200, labs.status(ctx.sessionId));
      },
    },
  ];
}
