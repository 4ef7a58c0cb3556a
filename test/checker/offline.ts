/** Test helper: the connections lab's challenges and an offline Prometheus on its fixture (temp dirs prefixed `pbf`). */
import { afterAll, beforeAll } from 'vitest';
import { loadChallenges, type Challenge, type ChallengeSet } from '../../src/checker/challenges.ts';
import { offlineWindow, type CheckTarget } from '../../src/checker/checkAnswer.ts';
import type { RangeWindow } from '../../src/checker/prometheusClient.ts';
import { startOfflinePrometheus, type OfflinePrometheus } from '../../src/checker/offlinePrometheus.ts';

export const TEST_PREFIX = 'pbf';

export interface OfflineLab {
  set: ChallengeSet;
  prometheus: OfflinePrometheus;
  target: CheckTarget;
  /** The challenge `id`; throws when the lab has none of that id. */
  challenge(id: string): Challenge;
}

/** `prefix` names the Prometheus' temp dirs: the browser tests pass their own. */
export async function startOfflineLab(prefix = TEST_PREFIX): Promise<OfflineLab> {
  const loaded = await loadChallenges('connections');
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`).join('\n'));
  const started = await startOfflinePrometheus(loaded.set, { prefix });
  if (!started.ok) throw new Error(started.message);
  const set = loaded.set;
  return {
    set,
    prometheus: started.prometheus,
    target: { prometheus: started.prometheus.client, window: offlineWindow(set), scrapeSeconds: set.scrapeInterval },
    challenge(id) {
      const c = set.byId.get(id);
      if (!c) throw new Error(`no challenge ${id} in labs/connections/challenges.yaml`);
      return c;
    },
  };
}

/**
 * The offline lab for the tests of one file: started before them (beforeAll), stopped after them
 * (afterAll). Its fields are read inside the tests, once it has started.
 */
export function withOfflineLab(): OfflineLab {
  let lab: OfflineLab | undefined;
  beforeAll(async () => {
    lab = await startOfflineLab();
  });
  afterAll(async () => {
    await lab?.prometheus.stop();
  });
  const started = (): OfflineLab => {
    if (!lab) throw new Error('the offline lab is read before beforeAll started it');
    return lab;
  };
  return {
    get set() {
      return started().set;
    },
    get prometheus() {
      return started().prometheus;
    },
    get target() {
      return started().target;
    },
    challenge: (id) => started().challenge(id),
  };
}

/**
 * A stretch of the fixture, on the offline window's steps, at least `seconds` long, in which `query`
 * returns nothing: say, no overload, to see what a check does when the lab lacks what a challenge needs.
 */
export async function windowWithout(target: Pick<CheckTarget, 'prometheus' | 'window'>, query: string, seconds: number): Promise<RangeWindow> {
  const w = target.window;
  const r = await target.prometheus.queryRange(query, w);
  if (!r.ok) throw new Error(r.message);
  const busy = new Set(r.data.flatMap((s) => s.values.map(([t]) => Number(t))));
  let from: number | null = null;
  for (let t = w.start; t <= w.end; t += w.step) {
    if (busy.has(t)) {
      from = null;
      continue;
    }
    from ??= t;
    if (t - from >= seconds) return { start: from, end: t, step: w.step };
  }
  throw new Error(`the fixture has no ${seconds} s in which ${query} returns nothing`);
}
