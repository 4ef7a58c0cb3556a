/**
 * The lab part of `patchbay serve` (and, with one shared instance, `patchbay dev`): a LabPool of the
 * default lab, so every learner gets an instance of their own (learnerLabs.ts), and what the gateway
 * needs of it: a terminal resolver that picks the learner's instance, health per learner, the
 * /prometheus/ UI proxy, the challenge API and /api/lab, all on the learner's instance. `lab: null`
 * (--no-lab) runs no lab: the gateway then serves local `tools` terminals and reports `lab: null`.
 */
import type { LabHealth } from '../protocol/health.ts';
import type { DevStatus } from '../protocol/devStatus.ts';
import type { LearnerLabStatus } from '../protocol/learnerLab.ts';
import { PROMETHEUS_PROXY_PREFIX } from '../protocol/challenges.ts';
import type { TargetResolver } from '../terminal/target.ts';
import type { TerminalErrorCode } from '../protocol/errors.ts';
import type { Route } from './Route.ts';
import { LabPool } from '../lab/LabPool.ts';
import { loadLab } from '../lab/loadLab.ts';
import type { PoolTunables } from '../lab/poolTunables.ts';
import type { LabProgress, StartLabOptions } from '../lab/types.ts';
import { formatDefinitionError } from '../definitions/definitionError.ts';
import { prometheusProxyRoutes, PROMETHEUS_UI_PREFIX } from './routes/prometheus.ts';
import { webTabRoutes } from './routes/webTabs.ts';
import { challengeRoutes } from './routes/challenges.ts';
import { explainRoutes } from './routes/explain.ts';
import { learnerLabRoutes } from './routes/lab.ts';
import { taskRoutes } from './routes/tasks.ts';
import { loadTasks } from '../lab/tasks.ts';
import { loadChallenges } from '../checker/challenges.ts';
import { ProgressStore } from './progressStore.ts';
import { defaultDatabase, type Database } from './database.ts';
import { Roster } from './roster.ts';
import { dashboardRoutes } from './routes/dashboards.ts';
import { DashboardStore } from './dashboardStore.ts';
import { loadDashboardStarts } from './dashboardStarts.ts';
import { LearnerLabs, type LabNeed } from './learnerLabs.ts';

export interface GatewayLab {
  resolver: TargetResolver;
  /** The lab's health for /api/health: a signed-in learner's own instance (learner null: no session). */
  health: (learner: string | null) => LabHealth | null | Promise<LabHealth | null>;
  /** With a pool: the learner's own instance (queue, warning, fresh), for /api/health's `learnerLab`. */
  learnerLab?: (learner: string) => LearnerLabStatus;
  routes: Route[];
  /** Terminal input of a learner (activity: postpones the idle reclaim). */
  onTerminalInput?: (learner: string) => void;
  /** Called once the gateway exists, with how to end a learner's terminals (their instance went away). */
  bindTerminals?: (end: (learner: string, code: TerminalErrorCode, ...args: string[]) => void) => void;
  /** The per-learner instances and the roster (the instructor's view takes these), when a pool runs. */
  labs?: LearnerLabs;
  roster?: Roster;
  /** `patchbay dev` only: how edits of the lab's files were applied, for /api/health's `dev`. */
  status?: () => DevStatus;
  /** Tears the lab down; called once on shutdown, after the gateway has ended its terminals. */
  stop(): Promise<void>;
}

export interface GatewayLabOptions {
  /** Lab name or path (default: the course's lab); null runs no lab. */
  lab?: string | null;
  /** Progress lines for the console. */
  log: (line: string) => void;
  /** A directory for a progress database of its own (tests); default `database`, else the gateway's (database.ts). */
  progressDir?: string;
  /** The gateway's database (progress, roster); default defaultDatabase(). */
  database?: Database;
  /** The lab pool's tunables (poolTunables.ts); defaults there, except `warm` in local mode (below). */
  tunables?: Partial<PoolTunables>;
  /**
   * local (default): one learner on a laptop: an instance is started with the gateway and is theirs at
   * once, and no idle spare is kept after it is taken (unless `tunables.warm` says otherwise).
   */
  mode?: 'local' | 'hosted';
  /** Passed to every instance's start (tests give their own prefix and runtime directory). */
  labOptions?: Pick<StartLabOptions, 'prefix' | 'runtimeDir'>;
}

export const DEFAULT_LAB = 'connections';

export type GatewayLabResult = { ok: true; lab: GatewayLab | null } | { ok: false; message: string };

/** A progress event of the lab as a console line (null for the ones not worth a line). */
export function progressLine(e: LabProgress): string | null {
  switch (e.kind) {
    case 'cleanup':
      return `lab: ${e.message}`;
    case 'network':
      return `lab: network ${e.message}`;
    case 'process':
      return e.state === 'pending' || e.state === 'starting' ? null : `lab: ${e.host}/${e.process} ${e.state}${e.message ? ` (${e.message})` : ''}`;
    case 'ready':
      return `lab: all processes ready in ${(e.elapsedMs / 1000).toFixed(1)} s`;
  }
}

/** Graph polls and the Prometheus UI: the learner's instance, but neither activity nor a reason to bring a reclaimed one back. */
const GRAPH: LabNeed = { activity: false, acquire: 'unless-reclaimed' };
/** A check: activity, and first need. */
const CHECK: LabNeed = { activity: true, acquire: 'always' };

export async function startGatewayLab(options: GatewayLabOptions): Promise<GatewayLabResult> {
  if (options.lab === null) return { ok: true, lab: null };
  const labName = options.lab ?? DEFAULT_LAB;
  // Checked before anything starts: a definition with errors starts nothing.
  const loaded = loadLab(labName);
  if (!loaded.ok) return { ok: false, message: [...loaded.errors.map(formatDefinitionError), `lab ${labName}: nothing was started`].join('\n') };
  // Opened before the lab starts, so a database this version cannot use (newer schema) starts nothing.
  let progress: ProgressStore;
  try {
    progress = new ProgressStore(options.progressDir ?? options.database ?? defaultDatabase(process.env, options.log));
  } catch (error) {
    return { ok: false, message: `progress database: ${(error as Error).message}` };
  }
  const roster = new Roster(progress.db);
  const local = (options.mode ?? 'local') === 'local';
  const warmGiven = options.tunables?.warm !== undefined;
  let pool: LabPool;
  try {
    pool = new LabPool({ lab: { lab: labName, ...options.labOptions }, tunables: { ...(local && !warmGiven && { warm: 1 }), ...options.tunables } });
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
  const t = pool.tunables;
  const capacity = t.capacity ? ` (from the machine: memory allows ${t.capacity.byMemory}, CPU ${t.capacity.byCpu})` : '';
  options.log(
    `lab: ${loaded.lab.name}, an instance per learner: at most ${t.maxInstances}${capacity}, ${t.warm} kept warm, ` +
      `reclaimed after ${fmt(t.idleMs)} idle (warned ${fmt(t.warnMs)} before), ${fmt(t.maxLifetimeMs)} at most`,
  );
  const labs = new LearnerLabs({ pool, labName: loaded.lab.name, roster, log: options.log, noSpareAfterFirst: local && !warmGiven });
  const scrape = loaded.lab.spec.prometheus?.scrapeInterval;
  if (scrape !== undefined) labs.scrapeIntervalSeconds = scrape / 1000;

  const routes: Route[] = [...learnerLabRoutes(labs)];
  routes.push(...labs.routesWithLab(prometheusProxyRoutes(() => labs.prometheusUrl()), (r) => (r.prefix === `${PROMETHEUS_UI_PREFIX}/` ? GRAPH : null)));
  // The lab's web pages in dock tabs: on the learner's own instance, found as for the Prometheus UI.
  routes.push(...webTabRoutes(() => loaded.lab.spec.web, (ctx) => labs.instanceFor(ctx.sessionId, GRAPH)));
  const challenges = await loadChallenges(labName);
  if (challenges.ok) {
    const api = challengeRoutes({ set: challenges.set, prometheus: () => labs.prometheus(), progress });
    routes.push(...labs.routesWithLab(api, (r) => (r.prefix?.startsWith(PROMETHEUS_PROXY_PREFIX) ? GRAPH : r.path?.endsWith('/check') ? CHECK : null)));
    // Explaining a query is activity, as a check is.
    routes.push(...labs.routesWithLab(explainRoutes({ set: challenges.set, prometheus: () => labs.prometheus() }), () => CHECK));
  } else if (!challenges.errors.every((e) => e.message.startsWith('cannot read'))) {
    for (const e of challenges.errors) options.log(`challenges: ${formatDefinitionError(e)}`);
  }

  // Tasks checked on a host: each check runs on the learner's own instance (first need, and activity).
  const tasks = await loadTasks(labName);
  if (tasks.ok) routes.push(...taskRoutes({ set: tasks.set, instance: (learner) => labs.instanceFor(learner, CHECK), progress }));
  else for (const e of tasks.errors) options.log(`tasks: ${formatDefinitionError(e)}`);

  // The learner's dashboards: theirs (kept with the progress, whichever instance they hold), none needs a lab.
  const starts = await loadDashboardStarts(labName);
  if (!starts.ok) for (const e of starts.errors) options.log(`dashboards: ${formatDefinitionError(e)}`);
  routes.push(...dashboardRoutes({ store: new DashboardStore(progress.db), ...(starts.ok && { starts: starts.starts }) }));

  const resolver: TargetResolver = {
    resolve: async (request, context) => {
      // Opening a terminal is first need; its input (onTerminalInput) is the activity.
      const r = await labs.instanceFor(context.owner, { activity: false, acquire: 'always' });
      if (!r.ok) return { ok: false, code: 'PB_LAB_NOT_READY', message: r.code === 'PB_LAB_NOT_READY' ? r.message : `waiting for a lab: ${r.message}` };
      return r.instance.resolver.resolve(request, context);
    },
  };

  return {
    ok: true,
    lab: {
      resolver,
      health: (learner) => labs.health(learner),
      learnerLab: (learner) => labs.status(learner),
      routes,
      onTerminalInput: (learner) => labs.activity(learner),
      bindTerminals: (end) => labs.bindTerminals(end),
      labs,
      roster,
      async stop() {
        // The instances end with the gateway: their holders hold none from now on.
        for (const e of pool.list()) if (e.instance) roster.releaseInstance(e.owner, 'shutdown');
        await pool.close();
        labs.close();
        roster.flush();
      },
    },
  };
}

function fmt(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}
