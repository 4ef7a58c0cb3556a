/** `patchbay check CHALLENGE --query Q`: grade one answer, live against the running lab or --offline on the fixture. */
import type { Command } from '../command.ts';
import { commandHelp, parseCommandArgs } from '../command.ts';
import type { CheckResponse } from '../../protocol/challenges.ts';
import { loadChallenges } from '../../checker/challenges.ts';
import { checkAnswer, liveWindow, offlineWindow, precheckAnswer, type CheckOutcome } from '../../checker/checkAnswer.ts';
import { startOfflinePrometheus } from '../../checker/offlinePrometheus.ts';
import { PrometheusClient } from '../../checker/prometheusClient.ts';
import { formatDefinitionError } from '../../definitions/definitionError.ts';
import { isRuntimeAlive, listInstances, runtimeDirFrom } from '../../lab/instanceState.ts';

const help = commandHelp('check', `CHALLENGE --query QUERY [--offline] [--lab LAB] [--json]

Grades the answer by meaning: the answer and the challenge's reference are evaluated as range queries
over the same window and their series compared. Prints the verdict, hints, and for a syntax error the
position with a caret.

Live (default): against the Prometheus of the running instance of LAB (see \`patchbay status\`).
Offline: against the lab's fixture, backfilled into a temporary Prometheus that is removed afterwards.

Options:
  --query, -q QUERY   the answer (required); Grafana variables such as $__rate_interval are substituted
  --offline           use the lab's fixture instead of the running lab
  --lab LAB           lab name under labs/ or a path to its challenges.yaml (default: connections)
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
  prometheus: { type: 'string' },
  json: { type: 'boolean' },
} as const;

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

export const check: Command = {
  name: 'check',
  help,
  options,
  allowPositionals: true,
  async run(args) {
    const args_ = parseCommandArgs('check', help, args, options);
    if (!args_.ok) return args_.exitCode;
    const parsed = args_.parsed;
    const [id, ...extra] = parsed.positionals;
    const query = parsed.values.query;
    if (!id || extra.length || query === undefined) {
      console.error(`patchbay check: ${!id ? 'name a CHALLENGE' : extra.length ? `unexpected argument ${extra[0]}` : '--query is required'}\n\n${help}`);
      return 2;
    }
    const lab = parsed.values.lab ?? 'connections';
    const loaded = await loadChallenges(lab);
    if (!loaded.ok) {
      for (const e of loaded.errors) console.error(formatDefinitionError(e));
      return 2;
    }
    const set = loaded.set;
    const challenge = set.byId.get(id);
    if (!challenge) {
      console.error(`patchbay check: no challenge ${id} in ${set.lab}; known: ${[...set.byId.keys()].join(', ')}`);
      return 2;
    }
    let outcome: CheckOutcome;
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
      const url = parsed.values.prometheus ?? listInstances(runtimeDirFrom()).find((r) => r.lab === set.lab && r.prometheusUrl && isRuntimeAlive(r))?.prometheusUrl;
      if (!url) {
        console.error(`patchbay check: no running ${set.lab} lab with a Prometheus; start one with \`patchbay up ${set.lab}\`, or use --offline`);
        return 1;
      }
      outcome = await checkAnswer(challenge, query, { prometheus: new PrometheusClient(url), window: liveWindow(set), scrapeSeconds: set.scrapeInterval });
    }
    if (parsed.values.json) console.log(JSON.stringify({ ...outcome, revealable: !outcome.passed } satisfies CheckResponse, null, 2));
    else console.log(formatOutcome(outcome));
    return outcome.passed ? 0 : 1;
  },
};
