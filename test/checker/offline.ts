/** Test helper: the connections lab's challenges and an offline Prometheus on its fixture (temp dirs prefixed `pbf`). */
import { loadChallenges, type ChallengeSet } from '../../src/checker/challenges.ts';
import { offlineWindow, type CheckTarget } from '../../src/checker/checkAnswer.ts';
import { startOfflinePrometheus, type OfflinePrometheus } from '../../src/checker/offlinePrometheus.ts';

export const TEST_PREFIX = 'pbf';

export interface OfflineLab {
  set: ChallengeSet;
  prometheus: OfflinePrometheus;
  target: CheckTarget;
}

export async function startOfflineLab(): Promise<OfflineLab> {
  const loaded = await loadChallenges('connections');
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`).join('\n'));
  const started = await startOfflinePrometheus(loaded.set, { prefix: TEST_PREFIX });
  if (!started.ok) throw new Error(started.message);
  const set = loaded.set;
  return { set, prometheus: started.prometheus, target: { prometheus: started.prometheus.client, window: offlineWindow(set), scrapeSeconds: set.scrapeInterval } };
}
