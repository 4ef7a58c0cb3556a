import { PROMETHEUS_PROXY_PREFIX } from '../../protocol/challenges.ts';
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

/** Prometheus' own answer shape (success or error) for /api/v1/query_range. */
interface PromResponse {
  status: 'success' | 'error';
  data?: { resultType: string; result: MatrixSeries[] };
  errorType?: string;
  error?: string;
  /** Gateway errors (ApiError) carry these instead. */
  code?: string;
  message?: string;
}

/** Gateway/Prometheus statuses that mean "the lab or its Prometheus is not up (yet)", not "your query is bad". */
const NOT_READY_STATUS = new Set([502, 503, 504]);

export async function rangeQuery(query: string, w: RangeWindow, signal?: AbortSignal): Promise<RangeQueryResult> {
  const params = new URLSearchParams({ query, start: String(w.start), end: String(w.end), step: String(w.stepSeconds) });
  let res: Response;
  try {
    res = await fetch(`${PROMETHEUS_PROXY_PREFIX}/api/v1/query_range?${params}`, { credentials: 'same-origin', signal, headers: { accept: 'application/json' } });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') return { ok: false, kind: 'aborted', message: 'cancelled' };
    return { ok: false, kind: 'network', message: 'Cannot reach the Patchbay server.' };
  }
  let body: PromResponse | undefined;
  try {
    body = (await res.json()) as PromResponse;
  } catch {
    body = undefined;
  }
  if (res.ok && body?.status === 'success' && body.data?.resultType === 'matrix') {
    return { ok: true, data: alignSeries(body.data.result) };
  }
  // A gateway ApiError carries `code` and `message` (its `error` is the HTTP reason); Prometheus' own
  // error answer carries `error`.
  const detail = (body?.code !== undefined ? body.message : body?.error) ?? `${res.status} ${res.statusText}`;
  if (NOT_READY_STATUS.has(res.status) || res.status === 404) {
    return { ok: false, kind: 'not-ready', message: detail };
  }
  return { ok: false, kind: 'query', message: detail };
}
