/**
 * The lab part of `patchbay dev`: what `startGatewayLab` gives `serve`, kept in step with the lab's files
 * while an author edits them. It watches lab.yaml, challenges.yaml beside it and the files lab.yaml names
 * (`files: {from: …}` and `${LAB_DIR}/…` arguments):
 * - challenges.yaml saved: the challenge API answers from the new set at once (nothing restarts);
 * - lab.yaml (or a file it names) saved with a change to what runs: the lab is stopped and started afresh,
 *   its terminals end with it (the dock offers a fresh shell); a change that alters nothing that runs (a
 *   comment, the description) restarts nothing;
 * - a file saved with errors changes nothing: its errors are printed and reported in /api/health as
 *   `dev.errors`, and the lab and challenges keep running from the last version without errors.
 * What was applied is printed and reported as `dev.lastChange`, so the page's lab status says it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { DevChangeKind, DevError, DevStatus } from '../protocol/devStatus.ts';
import type { LabHealth } from '../protocol/health.ts';
import type { ResolveResult, TargetResolver } from '../terminal/target.ts';
import { formatDefinitionError, type DefinitionError } from '../definitions/definitionError.ts';
import { findLabFile, loadLab, PROJECT_DIR, type LoadedLab } from '../lab/loadLab.ts';
import { startLab } from '../lab/startLab.ts';
import type { LabInstance, StartLabOptions } from '../lab/types.ts';
import { substitute } from '../lab/validate.ts';
import { CHALLENGES_FILE, loadChallenges, type ChallengeSet } from '../checker/challenges.ts';
import { PrometheusClient } from '../checker/prometheusClient.ts';
import type { GatewayLab } from './gatewayLab.ts';
import { progressLine } from './gatewayLab.ts';
import { challengeRoutes } from './routes/challenges.ts';
import { dashboardRoutes } from './routes/dashboards.ts';
import { DashboardStore } from './dashboardStore.ts';
import { loadDashboardStarts } from './dashboardStarts.ts';
import { explainRoutes } from './routes/explain.ts';
import { prometheusProxyRoutes } from './routes/prometheus.ts';
import { webTabRoutes } from './routes/webTabs.ts';
import { ProgressStore } from './progressStore.ts';
import { taskRoutes } from './routes/tasks.ts';
import { loadTasks } from '../lab/tasks.ts';
import { defaultDatabase } from './database.ts';

export const DevLabTiming = {
  /** Editors save in steps (write a temporary file, rename it over the old one): act once they are done. */
  SETTLE_MS: 150,
} as const;

export interface DevLabOptions {
  /** Lab name under labs/, a directory holding lab.yaml, or a lab.yaml. */
  lab: string;
  log: (line: string) => void;
  /** A directory for a progress database of its own (tests); default the gateway's database (database.ts). */
  progressDir?: string;
  /** Passed to every start of the lab (tests give their own prefix and runtime directory). */
  labOptions?: Pick<StartLabOptions, 'prefix' | 'runtimeDir'>;
}

export interface DevLab extends GatewayLab {
  /** Always an answer: a placeholder while the lab is not running. */
  health: () => LabHealth;
  status(): DevStatus;
  /** Resolves once every change seen so far has been applied (a restart started, not finished). */
  settled(): Promise<void>;
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const readText = (file: string): string | null => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
};

/** Files lab.yaml names, which a lab start reads: `files: {from}` and `${LAB_DIR}/…` in commands. */
export function referencedFiles(lab: LoadedLab): string[] {
  const files = new Set<string>();
  const fromLabDir = (arg: string) => {
    if (arg.startsWith('${LAB_DIR}/')) files.add(resolve(substitute(arg, { LAB_DIR: lab.labDir })));
  };
  for (const host of Object.values(lab.spec.hosts)) {
    for (const p of Object.values(host.processes)) {
      p.command.forEach(fromLabDir);
      p.ready?.command?.forEach(fromLabDir);
      for (const f of Object.values(p.files)) if (typeof f !== 'string' && f.from !== undefined) files.add(resolve(lab.labDir, f.from));
    }
  }
  return [...files].sort();
}

export async function startDevLab(options: DevLabOptions): Promise<DevLab> {
  const { log } = options;
  const labFile = findLabFile(options.lab);
  const labDir = dirname(labFile);
  const challengesFile = join(labDir, CHALLENGES_FILE);
  const shown = (file: string) => relative(process.cwd(), file) || file;
  const progress = new ProgressStore(options.progressDir ?? defaultDatabase(process.env, log));

  let labName = basename(labDir);
  let instance: LabInstance | null = null;
  let client: PrometheusClient | null = null;
  let phase: 'stopping' | 'starting' | null = null;
  let challenges: ChallengeSet | null = null;
  let labErrors: DevError[] = [];
  let challengeErrors: DevError[] = [];
  const devErrors = (errors: DefinitionError[]): DevError[] => errors.map((e) => ({ file: e.file, text: formatDefinitionError(e) }));
  let lastChange: { kind: DevChangeKind; message: string; at: number } | null = null;
  /** What the running lab was started from: its definition and the files it names. */
  let runningKey: string | null = null;
  /** Each file the running lab was started from, with a hash of what it held. */
  let runningFiles = new Map<string, string>();
  /** The files as last read, so an event that changed nothing (a touch, a second event of one save) does nothing. */
  let seenChallenges: string | null | undefined;
  let seenLab: string | undefined;
  let watchedFiles: string[] = [labFile, challengesFile];
  /** The running lab's web services (web tabs), from the definition it was started with. */
  let webServices: LoadedLab['spec']['web'] = {};

  const applied = (kind: DevChangeKind, message: string) => {
    lastChange = { kind, message, at: Date.now() };
    log(message);
  };

  /** The files lab.yaml names, as one text: the lab runs what they hold. */
  const fileHashes = () => new Map(watchedFiles.filter((f) => f !== challengesFile).map((f) => [f, sha(readText(f) ?? '')]));
  const namedFiles = () => [...fileHashes()].filter(([f]) => f !== labFile).map(([f, hash]) => `${f}\n${hash}`).join('\n');
  /** lab.yaml (as read once, the same text that is then loaded) and every file it names: a change of any of them is a change of the lab. */
  const labFingerprint = (labText: string | null) => `${sha(labText ?? '')}\n${namedFiles()}`;

  async function reloadChallenges(first: boolean): Promise<void> {
    if (!existsSync(challengesFile)) {
      if (challenges || challengeErrors.length) applied('challenges-removed', `challenges: ${shown(challengesFile)} is gone: no challenges`);
      challenges = null;
      challengeErrors = [];
      return;
    }
    const r = await loadChallenges(labDir);
    if (!r.ok) {
      challengeErrors = devErrors(r.errors);
      for (const e of challengeErrors) log(`challenges: ${e.text}`);
      log(challenges ? 'challenges: the API keeps the challenges from before; fix the file and save' : 'challenges: none are served until the file loads');
      return;
    }
    challengeErrors = [];
    challenges = r.set;
    const what = `${r.set.challenges.length} challenge${r.set.challenges.length === 1 ? '' : 's'}`;
    if (first) log(`challenges: ${what} from ${shown(challengesFile)}`);
    else applied('challenges-reloaded', `challenges: ${shown(challengesFile)} reloaded: ${what}`);
  }

  async function restart(loaded: LoadedLab, key: string, reason: string | null): Promise<void> {
    if (reason) applied('lab-restarting', `lab: ${reason}: restarting ${loaded.name}…`);
    const old = instance;
    instance = null;
    client = null;
    if (old) {
      phase = 'stopping';
      await old.stop();
    }
    phase = 'starting';
    try {
      const r = await startLab({
        lab: labFile,
        waitReady: false, // the page's status shows the lab coming up
        onProgress: (e) => {
          const line = progressLine(e);
          if (line) log(line);
        },
        ...options.labOptions,
      });
      if (!r.ok) {
        labErrors = [...devErrors(r.errors), { file: shown(labFile), text: `lab ${loaded.name}: ${r.message}; nothing was started` }];
        for (const e of labErrors) log(`lab: ${e.text}`);
        return;
      }
      instance = r.instance;
      webServices = loaded.spec.web;
      client = instance.prometheusUrl ? new PrometheusClient(instance.prometheusUrl) : null;
      runningKey = key;
      runningFiles = fileHashes();
      log(`lab: ${instance.name} instance ${instance.id} on ${instance.subnet}${instance.prometheusUrl ? ', Prometheus at /prometheus/' : ''}`);
      if (reason) applied('lab-restarted', `lab: ${loaded.name} restarted (${reason})`);
    } finally {
      phase = null;
    }
  }

  async function reloadLab(first: boolean, labText: string | null): Promise<void> {
    // The text fingerprinted is the text loaded: a save after this read is seen by the next event.
    const loaded = loadLab(labFile, PROJECT_DIR, labText ?? undefined);
    if (!loaded.ok) {
      labErrors = devErrors(loaded.errors);
      for (const e of labErrors) log(`lab: ${e.text}`);
      log(instance ? 'lab: keeps running the definition from before; fix the file and save' : 'lab: not started; fix the file and save');
      return;
    }
    labErrors = [];
    labName = loaded.lab.name;
    watchedFiles = [labFile, challengesFile, ...referencedFiles(loaded.lab)];
    watchDirectories();
    seenLab = labFingerprint(labText);
    // What runs: the definition (its description aside) and the files it names.
    const key = sha(`${JSON.stringify({ ...loaded.lab.spec, description: undefined })}\n${namedFiles()}`);
    if (instance && key === runningKey) {
      applied('lab-unchanged', `lab: ${shown(labFile)} saved; nothing that runs changed, so the lab keeps running`);
      return;
    }
    const changed = [...fileHashes()].filter(([f, hash]) => runningFiles.get(f) !== hash).map(([f]) => shown(f));
    await restart(loaded.lab, key, first ? null : `${changed.join(', ') || shown(labFile)} changed`);
  }

  async function reconcile(first = false): Promise<void> {
    const challengesText = readText(challengesFile);
    if (challengesText !== seenChallenges) {
      seenChallenges = challengesText;
      await reloadChallenges(first);
    }
    const labText = readText(labFile);
    const fingerprint = labFingerprint(labText);
    if (first || fingerprint !== seenLab) {
      seenLab = fingerprint;
      await reloadLab(first, labText);
    }
  }

  // One change at a time, in the order they came: a restart is never overtaken by the next save.
  let work: Promise<void> = Promise.resolve();
  const enqueue = (task: () => Promise<void>) => {
    work = work.then(task).catch((error: unknown) => log(`dev: applying a change failed: ${(error as Error).message}`));
    return work;
  };
  let timer: NodeJS.Timeout | null = null;
  let pending: Promise<void> = Promise.resolve();
  /** Resolves `pending`: one promise per burst of events, so whoever awaits it is answered when the burst is applied. */
  let settle: () => void = () => undefined;
  let stopped = false;
  const onEvent = () => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    else pending = new Promise<void>((r) => (settle = r));
    timer = setTimeout(() => {
      timer = null;
      const done = settle;
      void enqueue(() => reconcile()).then(done);
    }, DevLabTiming.SETTLE_MS);
  };

  // Directories, not files: an editor that saves by renaming a new file over the old one would leave a
  // watch on the file itself looking at a file that is gone.
  const watchers = new Map<string, FSWatcher>();
  /** The names watched in each directory, looked up when an event comes (the set changes with lab.yaml). */
  let dirs = new Map<string, Set<string>>();
  function watchDirectories(): void {
    dirs = new Map();
    for (const f of watchedFiles) {
      const names = dirs.get(dirname(f)) ?? new Set<string>();
      names.add(basename(f));
      dirs.set(dirname(f), names);
    }
    for (const [dir, w] of watchers) {
      if (!dirs.has(dir)) {
        w.close();
        watchers.delete(dir);
      }
    }
    for (const dir of dirs.keys()) {
      if (watchers.has(dir) || !existsSync(dir)) continue;
      const w = watch(dir, (_event, name) => {
        if (name === null || dirs.get(dir)?.has(name.toString())) onEvent();
      });
      w.on('error', () => undefined);
      watchers.set(dir, w);
    }
  }

  log(`lab: starting ${options.lab}… (dev: edits of ${shown(labFile)} and ${CHALLENGES_FILE} apply as you save)`);
  watchDirectories();
  await enqueue(() => reconcile(true));

  const resolver: TargetResolver = {
    resolve: (request, context): ResolveResult | Promise<ResolveResult> =>
      instance ? instance.resolver.resolve(request, context) : { ok: false, code: 'PB_LAB_NOT_READY', message: phase ? `The lab is ${phase === 'stopping' ? 'restarting' : 'starting'}` : 'The lab is not running: its definition has errors' },
  };
  // Tasks (tasks.yaml) are read once, at start: a save of that file takes a restart of `patchbay dev`.
  const tasks = await loadTasks(labDir);
  if (!tasks.ok) for (const e of tasks.errors) log(`tasks: ${formatDefinitionError(e)}`);
  const taskInstance = () => Promise.resolve(instance ? { ok: true as const, instance } : { ok: false as const, code: 'PB_LAB_NOT_READY' as const, message: phase ? 'starting' : 'not running: its definition has errors' });

  // Lessons' starting dashboards (dashboards.yaml) are read once, at start, as tasks are.
  const starts = await loadDashboardStarts(labDir);
  if (!starts.ok) for (const e of starts.errors) log(`dashboards: ${formatDefinitionError(e)}`);

  const health = (): LabHealth => instance?.health() ?? { name: labName, instance: '', state: phase ?? 'down', hosts: [], failing: [] };

  return {
    resolver,
    health,
    routes: [
      ...prometheusProxyRoutes(() => instance?.prometheusUrl ?? null),
      ...webTabRoutes(
        () => webServices,
        async () => (instance ? { ok: true, instance } : { ok: false, code: 'PB_LAB_NOT_READY', message: phase ? 'starting' : 'not running: its definition has errors' }),
      ),
      ...challengeRoutes({ set: () => challenges, prometheus: () => client, progress }),
      ...(tasks.ok ? taskRoutes({ set: tasks.set, instance: taskInstance, progress }) : []),
      ...explainRoutes({ set: () => challenges, prometheus: () => client }),
      ...dashboardRoutes({ store: new DashboardStore(progress.db), ...(starts.ok && { starts: starts.starts }) }),
    ],
    status: () => ({
      errors: [...labErrors, ...challengeErrors],
      restarting: phase !== null && runningKey !== null,
      lastChange: lastChange && { kind: lastChange.kind, message: lastChange.message, secondsAgo: Math.round((Date.now() - lastChange.at) / 1000) },
    }),
    settled: async () => {
      await pending;
      await work;
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      // A burst cut short by stop() is never applied: its waiters are answered all the same.
      settle();
      for (const w of watchers.values()) w.close();
      watchers.clear();
      await work;
      await instance?.stop();
      instance = null;
    },
  };
}
