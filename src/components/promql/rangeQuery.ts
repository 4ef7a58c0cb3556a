import { PROMETHEUS_PROXY_PREFIX } from '../../protocol/challenges.ts';
import { apiError, browserError } from '../../protocol/errors.ts';
import { usesScrapeInterval } from '../../protocol/grafanaVariables.ts';
import { graphRequest, type GraphSettings } from '../../protocol/graphQuery.ts';
import { HEALTH_PATH, type HealthResponse } from '../../protocol/health.ts';
import { callApi, isRetried, type ApiResult, type ClientError } from '../api/apiClient.ts';
import { alignSeries, type AlignedSeries, type MatrixSeries } from './alignSeries.ts';

/**
 * A graph's range query through the gateway's bounded Prometheus pass-through, built by the protocol's
 * graphRequest (Grafana's variables substituted with the lab's scrape interval, as checks do).
 * Failures are values with a kind the graph turns into a plain message.
 */
export type RangeQueryResult =
  | { ok: true; data: AlignedSeries }
  | { ok: false; kind: 'not-ready' | 'query' | 'network' | 'aborted'; message: string };

/** Prometheus' success answer for /api/v1/query_range (its error answers reach us as PB_BAD_RESPONSE with its words). */
interface PromResponse {
  status: 'success';
  data?: { resultType: string; result: MatrixSeries[] };
}

/**
 * Not "your query is bad" but "the lab or its Prometheus is not up (yet)": the gateway's errors a client
 * retries (503 PB_LAB_NOT_READY, 502 PB_UPSTREAM), a gateway without the challenge API (404), and
 * Prometheus' own 502/503/504 answers (unavailable, timed out) passed through.
 */
const NOT_READY_STATUS = new Set([502, 503, 504]);

function notReady(error: ClientError): boolean {
  return isRetried(error) || error.code === 'PB_NOT_FOUND' || (error.code === 'PB_BAD_RESPONSE' && NOT_READY_STATUS.has(error.statusCode));
}

/**
 * The lab Prometheus' scrape interval, from the lab's health (it comes from the lab's Prometheus config,
 * so graphs work whether or not the lab has challenges); asked once per page, and again after a failure
 * or while no lab with a Prometheus answers.
 */
let scrapeRequest: Promise<ApiResult<number>> | null = null;

function labScrapeSeconds(): Promise<ApiResult<number>> {
  scrapeRequest ??= callApi<HealthResponse>(HEALTH_PATH).then((r): ApiResult<number> => {
    const seconds = r.ok ? r.value.lab?.scrapeIntervalSeconds : undefined;
    if (seconds !== undefined) return { ok: true, value: seconds };
    scrapeRequest = null;
    return r.ok ? { ok: false, error: apiError('PB_LAB_NOT_READY', r.value.lab ? `${r.value.lab.state}, or has no Prometheus` : 'not running') } : r;
  });
  return scrapeRequest;
}

/** What graphRequest is given for a query that uses no variable depending on it: its value changes nothing. */
const SCRAPE_UNUSED = 1;

/** What a graph with these settings shows now. */
export async function graphQuery(query: string, settings: Pick<GraphSettings, 'windowSeconds' | 'stepSeconds'>, signal?: AbortSignal): Promise<RangeQueryResult> {
  // Only `$__rate_interval` needs the lab's scrape interval: any other query goes straight to Prometheus.
  const scrape: ApiResult<number> = usesScrapeInterval(query) ? await labScrapeSeconds() : { ok: true, value: SCRAPE_UNUSED };
  if (signal?.aborted) return failure(browserError('PB_ABORTED'));
  if (!scrape.ok) return failure(scrape.error);
  const request = graphRequest(query, settings, scrape.value, Date.now() / 1000);
  const params = new URLSearchParams({ query: request.query, start: String(request.start), end: String(request.end), step: String(request.stepSeconds) });
  const r = await callApi<PromResponse>(`${PROMETHEUS_PROXY_PREFIX}/api/v1/query_range?${params}`, { signal });
  if (r.ok) {
    const data = r.value.data;
    if (r.value.status === 'success' && data?.resultType === 'matrix') return { ok: true, data: alignSeries(data.result) };
    return { ok: false, kind: 'query', message: `Prometheus answered a ${data?.resultType ?? 'malformed'} result, not a range of series` };
  }
  return failure(r.error);
}

function failure(error: ClientError): Extract<RangeQueryResult, { ok: false }> {
  if (error.code === 'PB_ABORTED') return { ok: false, kind: 'aborted', message: error.message };
  if (error.code === 'PB_NETWORK') return { ok: false, kind: 'network', message: error.message };
  return { ok: false, kind: notReady(error) ? 'not-ready' : 'query', message: error.message };
}
