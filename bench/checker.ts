/**
 * `npm run bench:checker`: check latency (one checkAnswer call, as the API runs it) p50/p95/max, offline
 * on the fixture and live against a connections lab instance: the one given by --prometheus URL, else a
 * fresh instance this bench starts (prefix `pbf`) and stops. `--offline-only` skips the live part.
 * Each round checks, for every challenge, the reference, every must-pass and every must-fail answer.
 */
import { parseArgs } from 'node:util';
import { loadChallenges, type ChallengeSet } from '../src/checker/challenges.ts';
import { checkAnswer, liveWindow, offlineWindow, type CheckTarget } from '../src/checker/checkAnswer.ts';
import { startOfflinePrometheus } from '../src/checker/offlinePrometheus.ts';
import { PrometheusClient } from '../src/checker/prometheusClient.ts';
import { startLab } from '../src/lab/startLab.ts';

const BenchDefaults = {
  ROUNDS: 5,
  /** Live data needs a minute of scrapes before 1-minute rates mean anything; checks run either way. */
  LIVE_WARMUP_MS: 30_000,
  PREFIX: 'pbf',
} as const;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function measure(set: ChallengeSet, target: () => CheckTarget, rounds: number): Promise<{ times: number[]; errors: number; passedRefs: number; refs: number }> {
  const times: number[] = [];
  let errors = 0;
  let passedRefs = 0;
  let refs = 0;
  // One untimed warm-up pass: the first queries pay for Prometheus' caches and our module loading.
  for (const c of set.challenges) await checkAnswer(c, c.reference, target());
  for (let r = 0; r < rounds; r++) {
    for (const c of set.challenges) {
      for (const query of [c.reference, ...c.mustPass, ...c.mustFail.map((f) => f.query)]) {
        const t0 = performance.now();
        const out = await checkAnswer(c, query, target());
        times.push(performance.now() - t0);
        if (out.error && out.error.kind !== 'syntax' && out.error.kind !== 'type') errors++;
        if (query === c.reference) {
          refs++;
          if (out.passed) passedRefs++;
        }
      }
    }
  }
  return { times, errors, passedRefs, refs };
}

function report(label: string, m: Awaited<ReturnType<typeof measure>>): void {
  const s = [...m.times].sort((a, b) => a - b);
  const f = (n: number) => `${n.toFixed(1)} ms`;
  console.log(`${label}: ${s.length} checks  p50 ${f(percentile(s, 50))}  p95 ${f(percentile(s, 95))}  max ${f(s[s.length - 1]!)}  (references passed ${m.passedRefs}/${m.refs}, evaluation errors ${m.errors})`);
}

const { values } = parseArgs({ options: { rounds: { type: 'string' }, prometheus: { type: 'string' }, 'offline-only': { type: 'boolean' } } });
const rounds = Number(values.rounds ?? BenchDefaults.ROUNDS);
const loaded = await loadChallenges('connections');
if (!loaded.ok) throw new Error('labs/connections/challenges.yaml is invalid');
const set = loaded.set;
console.log(`checker bench: ${set.challenges.length} challenges, ${rounds} rounds, ${set.challenges.reduce((n, c) => n + 1 + c.mustPass.length + c.mustFail.length, 0)} answers per round`);

const t0 = performance.now();
const offline = await startOfflinePrometheus(set, { prefix: BenchDefaults.PREFIX });
if (!offline.ok) throw new Error(offline.message);
console.log(`offline Prometheus ready in ${(performance.now() - t0).toFixed(0)} ms (fixture generated, backfilled with promtool, served)`);
try {
  report('offline', await measure(set, () => ({ prometheus: offline.prometheus.client, window: offlineWindow(set), scrapeSeconds: set.scrapeInterval }), rounds));
} finally {
  await offline.prometheus.stop();
}

if (!values['offline-only']) {
  let url = values.prometheus ?? null;
  let stop: (() => Promise<void>) | null = null;
  if (!url) {
    const started = await startLab({ lab: 'connections', prefix: BenchDefaults.PREFIX });
    if (!started.ok) {
      console.log(`live: unmeasured (the lab did not start: ${started.message})`);
    } else {
      stop = () => started.instance.stop();
      url = started.instance.prometheusUrl;
      console.log(`live: lab instance ${started.instance.id} ready; letting Prometheus scrape for ${BenchDefaults.LIVE_WARMUP_MS / 1000} s`);
      await new Promise((r) => setTimeout(r, BenchDefaults.LIVE_WARMUP_MS));
    }
  }
  try {
    if (url) {
      const client = new PrometheusClient(url);
      report(`live (${url})`, await measure(set, () => ({ prometheus: client, window: liveWindow(set), scrapeSeconds: set.scrapeInterval }), rounds));
    }
  } finally {
    await stop?.();
  }
}
