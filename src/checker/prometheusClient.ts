/**
 * A Prometheus HTTP API client (fetch) for the checker: range queries, format_query, metric names.
 * Every request has a timeout and runs through a limiter; failures come back as values
 * (`{ ok: false, … }`) that say whether the query or Prometheus was at fault.
 */
import { Limiter } from './limiter.ts';

export const PrometheusClientDefaults = {
  /** Client-side cap per request. Prometheus is asked (the `timeout` parameter, capped by its own
   * --query.timeout) to give up SERVER_TIMEOUT_MARGIN_MS sooner, so it answers "query timed out" first. */
  REQUEST_TIMEOUT_MS: 5_000,
  /**
   * Cap for format_query, which only parses: Prometheus answers it in milliseconds, so waiting the full
   * REQUEST_TIMEOUT_MS would only hold a learner (and a check slot) behind a Prometheus that is stuck.
   */
  FORMAT_TIMEOUT_MS: 3_000,
  /** How much sooner than our deadline Prometheus is asked to give up (the `timeout` parameter). */
  SERVER_TIMEOUT_MARGIN_MS: 500,
  /** Requests to one Prometheus in flight at once from this process: 2 cores here, and a check makes
   * two range queries, so 4 lets two checks run together while a third waits. */
  CONCURRENCY: 4,
  /** Waiting requests beyond which new ones are refused at once instead of queueing behind slow ones. */
  QUEUE: 32,
} as const;

/** One series of a matrix result, values as Prometheus sends them ("NaN", "+Inf" included). */
export interface MatrixSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

export type PromFailure = {
  ok: false;
  /** `query`: Prometheus rejected or aborted this query; `unavailable`: could not ask it at all. */
  fault: 'query' | 'unavailable';
  /** Prometheus' errorType (bad_data, timeout, execution, canceled) or `network`/`client_timeout`/`busy`. */
  errorType: string;
  message: string;
};
export type PromResult<T> = { ok: true; data: T; warnings?: string[] } | PromFailure;

export interface RangeWindow {
  start: number;
  end: number;
  step: number;
}

export interface PrometheusClientOptions {
  requestTimeoutMs?: number;
  /** Default: FORMAT_TIMEOUT_MS, or requestTimeoutMs when that is shorter. */
  formatTimeoutMs?: number;
  limiter?: Limiter;
}

export class PrometheusClient {
  readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly formatTimeoutMs: number;
  private readonly limiter: Limiter;

  constructor(baseUrl: string, options: PrometheusClientOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.requestTimeoutMs ?? PrometheusClientDefaults.REQUEST_TIMEOUT_MS;
    this.formatTimeoutMs = options.formatTimeoutMs ?? Math.min(this.timeoutMs, PrometheusClientDefaults.FORMAT_TIMEOUT_MS);
    this.limiter = options.limiter ?? new Limiter(PrometheusClientDefaults.CONCURRENCY, PrometheusClientDefaults.QUEUE);
  }

  queryRange(query: string, w: RangeWindow): Promise<PromResult<MatrixSeries[]>> {
    return this.call<{ resultType: string; result: MatrixSeries[] }>('/api/v1/query_range', {
      query,
      start: String(w.start),
      end: String(w.end),
      step: String(w.step),
      // Prometheus caps this at its --query.timeout; asking for less than our own deadline means it
      // stops the query and says so before we give up on the connection.
      timeout: `${Math.max(100, this.timeoutMs - PrometheusClientDefaults.SERVER_TIMEOUT_MARGIN_MS)}ms`,
    }).then((r) => (r.ok ? { ...r, data: r.data.result } : r));
  }

  /** Prometheus' canonical text of a query (sorted matchers, normalised durations). */
  formatQuery(query: string): Promise<PromResult<string>> {
    return this.call<string>('/api/v1/format_query', { query }, this.formatTimeoutMs);
  }

  labelValues(label: string): Promise<PromResult<string[]>> {
    return this.call<string[]>(`/api/v1/label/${encodeURIComponent(label)}/values`, {});
  }

  async ready(): Promise<boolean> {
    try {
      const res = await fetch(`${this.baseUrl}/-/ready`, { signal: AbortSignal.timeout(this.timeoutMs) });
      await res.arrayBuffer();
      return res.ok;
    } catch {
      return false;
    }
  }

  /** POSTs a form to the API, which both query endpoints accept; long queries never hit URL limits. */
  async call<T>(path: string, params: Record<string, string>, timeoutMs = this.timeoutMs): Promise<PromResult<T>> {
    const outcome = await this.limiter.run(async (): Promise<PromResult<T>> => {
      let res: Response;
      let body: { status?: string; data?: T; errorType?: string; error?: string; warnings?: string[] };
      try {
        const hasParams = Object.keys(params).length > 0;
        res = await fetch(`${this.baseUrl}${path}`, {
          method: hasParams ? 'POST' : 'GET',
          headers: hasParams ? { 'content-type': 'application/x-www-form-urlencoded' } : undefined,
          body: hasParams ? new URLSearchParams(params).toString() : undefined,
          signal: AbortSignal.timeout(timeoutMs),
        });
        body = (await res.json()) as typeof body;
      } catch (err) {
        const e = err as Error;
        if (e.name === 'TimeoutError' || e.name === 'AbortError') {
          return { ok: false, fault: 'query', errorType: 'client_timeout', message: `no answer within ${timeoutMs} ms` };
        }
        return { ok: false, fault: 'unavailable', errorType: 'network', message: `cannot reach Prometheus at ${this.baseUrl}: ${e.message}` };
      }
      if (body.status === 'success') return { ok: true, data: body.data as T, warnings: body.warnings };
      const errorType = body.errorType ?? `http_${res.status}`;
      const fault = res.status === 503 && errorType !== 'timeout' ? 'unavailable' : 'query';
      return { ok: false, fault, errorType, message: body.error ?? `HTTP ${res.status}` };
    });
    if (outcome.refused) return { ok: false, fault: 'unavailable', errorType: 'busy', message: 'the checker is busy; try again in a moment' };
    return outcome.value;
  }
}
