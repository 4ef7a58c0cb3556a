/** `patchbay check CHALLENGE --query Q`: grade one answer, live against the running lab or --offline on the fixture. */
import { commandHelp, defineCommand, usageError } from '../command.ts';
import type { CheckResponse } from '../../protocol/challenges.ts';
import { loadChallenges } from '../../checker/challenges.ts';
import { checkAnswer, liveWindow, offlineWindow, precheckAnswer, type CheckOutcome } from '../../checker/checkAnswer.ts';
import { startOfflinePrometheus } from '../../checker/offlinePrometheus.ts';
import { PrometheusClient } from '../../checker/prometheusClient.ts';
import { didYouMean } from '../../definitions/closest.ts';
import { formatDefinitionError } from '../../definitions/definitionError.ts';
import { isRuntimeAlive, listInstances, runtimeDirFrom } from '../../lab/instanceState.ts';

const help = commandHelp('check', `CHALLENGE --query QUERY [--offline] [--lab LAB] [--instance ID] [--json]

Grades the answer by meaning: the answer and the challenge's reference are evaluated as range queries
over the same window and their series compared. Prints the verdict, hints, and for a syntax error the
position with a caret.

Live (default): against the Prometheus of the running instance of LAB (see \`patchbay status\`); when
several instances of LAB run, name one with --instance.
Offline: against the lab's fixture, backfilled into a temporary Prometheus that is removed afterwards.

Options:
  --query, -q QUERY   the answer (required); Grafana variables such as $__rate_interval are substituted
  --offline           use the lab's fixture instead of the running lab
  --lab LAB           lab name under labs/ or a path to its challenges.yaml (default: connections)
  --instance ID       live mode: this instance of LAB (needed when several run)
  --prometheus URL    live mode: this Prometheus instead of the running instance's
  --json              print the check result as JSON (the API's CheckResponse shape)
  -h, --help          show this help

Exit status: 0 passed, 1 failed (or could not be checked), 2 usage error or unknown challenge.

Examples:
  patchbay check api-active-connections --offline \\
    --query 'sum without (envoy_worker_id) (envoy_listener_worker_downstream_cx_active{job="api"})'
  patchbay check ingress-request-rate -q 'sum(rate(envoy_http_downstream_rq_total{service="ingress"}[1m]))'`);

const options = {
  query: { type: 'string', short: 'q' },
  offline: { type: 'boolean' },
  lab: { type: 'string' },
  instance: { type: 'string' },
  prometheus: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** The Prometheus a live check asks: the one running instance of `lab`, or the one named; never a guess among several. */
export function livePrometheus(
  runtimeDir: string,
  lab: string,
  instance?: string,
): { ok: true; url: string; instance: string } | { ok: false; message: string; /** The user must say which: a usage error. */ ambiguous?: true } {
  const running = listInstances(runtimeDir).filter(isRuntimeAlive);
  if (instance !== undefined) {
    const record = running.find((r) => r.id === instance);
    if (!record) {
      const ids = running.map((r) => r.id);
      const meant = didYouMean(instance, ids);
      return { ok: false, message: `no running lab instance ${instance}${meant ? `; did you mean ${meant}?` : ids.length ? `; running: ${ids.join(', ')}` : ''}` };
    }
    if (record.lab !== lab) return { ok: false, message: `instance ${instance} runs lab ${record.lab}, not ${lab}` };
    if (!record.prometheusUrl) return { ok: false, message: `instance ${instance} of lab ${lab} has no Prometheus` };
    return { ok: true, url: record.prometheusUrl, instance: record.id };
  }
  const candidates = running.filter((r) => r.lab === lab && r.prometheusUrl);
  if (candidates.length === 0) return { ok: false, message: `no running ${lab} lab with a Prometheus; start one with \`patchbay up ${lab}\`, or use --offline` };
  if (candidates.length > 1) {
    return { ok: false, ambiguous: true, message: `${candidates.length} instances of lab ${lab} are running (${candidates.map((r) => r.id).join(', ')}); name the one to check against with --instance ID` };
  }
  return { ok: true, url: candidates[0]!.prometheusUrl!, instance: candidates[0]!.id };
}

export function formatOutcome(o: CheckOutcome): string {
  const lines = [o.passed ? `PASS  ${o.challengeId}${o.sameText ? ' (same query as the reference)' : ''}` : `FAIL  ${o.challengeId}`];
  if (o.error) {
    lines.push(`  ${o.error.kind}: ${o.error.message}`);
    if (o.error.caret) lines.push(...o.error.caret.split('\n').map((l) => `    ${l}`));
  }
  for (const h of o.hints) lines.push(`  hint (${h.id}): ${h.message}`);
  if (o.answer && o.expected) lines.push(`  series: yours ${o.answer.totalSeries}, expected ${o.expected.totalSeries}`);
  lines.push(`  evaluated: ${o.normalizedQuery.replace(/\n/g, '\n             ')}`, `  took ${o.durationMs} ms`);
  return lines.join('\n');
}

export const check = defineCommand({
  name: 'check',
  help,
  options,
  allowPositionals: true,
  async run(parsed) {
    const [id, ...extra] = parsed.positionals;
    const query = parsed.values.query;
    if (!id || extra.length || query === undefined) {
      return usageError('check', !id ? 'name a CHALLENGE' : extra.length ? `unexpected argument ${extra[0]}` : '--query is required');
    }
    if (parsed.values.offline && (parsed.values.instance !== undefined || parsed.values.prometheus !== undefined)) {
      return usageError('check', `--offline uses the lab's fixture; it takes no ${parsed.values.instance !== undefined ? '--instance' : '--prometheus'}`);
    }
    const lab = parsed.values.lab ?? 'connections';
    const loaded = await loadChallenges(lab);
    if (!loaded.ok) {
      for (const e of loaded.errors) console.error(formatDefinitionError(e));
      return 2;
    }
    const set = loaded.set;
    const challenge = set.byId.get(id);
    if (!challenge && set.panelById.has(id)) {
      console.error(`patchbay check: ${id} is a panel challenge, graded on a dashboard panel: check it in the lesson's page, or its queries with \`patchbay test --offline\``);
      return 2;
    }
    if (!challenge) {
      const meant = didYouMean(id, set.byId.keys());
      console.error(`patchbay check: no challenge ${id} in ${set.lab}; ${meant ? `did you mean ${meant}?` : `known: ${[...set.byId.keys()].join(', ')}`}`);
      return 2;
    }
    let outcome: CheckOutcome;
    /** Which running instance was asked, so a live verdict says what it was graded against. */
    let against: string | null = null;
    const early = parsed.values.offline ? precheckAnswer(challenge, query, offlineWindow(set), set.scrapeInterval) : null;
    if (early) outcome = early;
    else if (parsed.values.offline) {
      // PATCHBAY_OFFLINE_PREFIX names the temp directory (tests give their own prefix).
      const offline = await startOfflinePrometheus(set, process.env.PATCHBAY_OFFLINE_PREFIX ? { prefix: process.env.PATCHBAY_OFFLINE_PREFIX } : {});
      if (!offline.ok) {
        console.error(`patchbay check: ${offline.message}`);
        return 1;
      }
      try {
        outcome = await checkAnswer(challenge, query, { prometheus: offline.prometheus.client, window: offlineWindow(set), scrapeSeconds: set.scrapeInterval });
      } finally {
        await offline.prometheus.stop();
      }
    } else {
      let url = parsed.values.prometheus;
      if (url === undefined) {
        const live = livePrometheus(runtimeDirFrom(), set.lab, parsed.values.instance);
        if (!live.ok && live.ambiguous) return usageError('check', live.message);
        if (!live.ok) {
          console.error(`patchbay check: ${live.message}`);
          return 1;
        }
        url = live.url;
        against = `instance ${live.instance} of lab ${set.lab}`;
      }
      outcome = await checkAnswer(challenge, query, { prometheus: new PrometheusClient(url), window: liveWindow(set), scrapeSeconds: set.scrapeInterval });
    }
    if (parsed.values.json) console.log(JSON.stringify({ ...outcome, revealable: !outcome.passed } satisfies CheckResponse, null, 2));
    else console.log(`${formatOutcome(outcome)}${against ? `\n  against ${against}` : ''}`);
    return outcome.passed ? 0 : 1;
  },
});
