import { PROMETHEUS_PROXY_PREFIX } from '../../protocol/challenges.ts';
import { callApi, isRetried, type ClientError } from '../api/apiClient.ts';
import { alignSeries, type AlignedSeries, type MatrixSeries } from './alignSeries.ts';

/**
 * A range query through the gateway's bounded Prometheus pass-through, for live graphs.
 * Failures are values with a kind the graph turns into a plain message.
 */
export type RangeQueryResult =
  | { ok: true; data: AlignedSeries }
  | { ok: false; kind: 'not-ready' | 'query' | 'network' | 'aborted'; message: string };

export interface RangeWindow {
  /** Unix seconds. */
  start: number;
  end: number;
  stepSeconds: number;
}

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

export async function rangeQuery(query: string, w: RangeWindow, signal?: AbortSignal): Promise<RangeQueryResult> {
  const params = new URLSearchParams({ query, start: String(w.start), end: String(w.end), step: String(w.stepSeconds) });
  const r = await callApi<PromResponse>(`${PROMETHEUS_PROXY_PREFIX}/api/v1/query_range?${params}`, { signal });
  if (r.ok) {
    const data = r.value.data;
    if (r.value.status === 'success' && data?.resultType === 'matrix') return { ok: true, data: alignSeries(data.result) };
    return { ok: false, kind: 'query', message: `Prometheus answered a ${data?.resultType ?? 'malformed'} result, not a range of series` };
  }
  const { error } = r;
  if (error.code === 'PB_ABORTED') return { ok: false, kind: 'aborted', message: error.message };
  if (error.code === 'PB_NETWORK') return { ok: false, kind: 'network', message: error.message };
  return { ok: false, kind: notReady(error) ? 'not-ready' : 'query', message: error.message };
}
