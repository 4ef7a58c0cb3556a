import { ErrorRegistry, browserError, errorRetried, type ApiError, type BrowserErrorCode, type HttpErrorCode } from '../../protocol/errors.ts';

/**
 * The browser's one way to call the gateway's HTTP API: every request a component makes goes through
 * here. Expected failures come back as values so components can show them, each with a code of the
 * error registry: the server's own ApiError, or one the browser gives (a dropped connection, a
 * cancelled request, an answer that is not JSON or not an ApiError).
 */
export type ClientError = ApiError<HttpErrorCode | BrowserErrorCode>;
export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ClientError };

export interface ApiRequest {
  method?: 'GET' | 'POST' | 'PUT';
  /** Sent as JSON. */
  body?: unknown;
  signal?: AbortSignal;
  /** 'no-store' for answers that change from one poll to the next (health). */
  cache?: RequestCache;
  /**
   * Try once more when the network dropped the request. GET always does; another method only when
   * repeating it is harmless (a check, an explain, a reveal), never for one that changes state a
   * second time (a reset, a dashboard save): the first try may have reached the server.
   */
  retryNetwork?: boolean;
}

/**
 * How long to wait before the one second try of a request the network dropped (`retryNetwork`). Chromium aborts every
 * request in flight when the machine's addresses change (ERR_NETWORK_CHANGED), which a lab instance
 * starting or stopping beside a local browser does: a second try a moment later goes through, as the
 * learner pressing the button again would.
 */
const NETWORK_RETRY_MS = 300;

export async function callApi<T>(path: string, init: ApiRequest = {}): Promise<ApiResult<T>> {
  let res: Response;
  for (let attempt = 1; ; attempt++) {
    try {
      res = await fetch(path, {
        method: init.method ?? 'GET',
        headers: init.body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        credentials: 'same-origin',
        signal: init.signal,
        ...(init.cache ? { cache: init.cache } : {}),
      });
      break;
    } catch (err) {
      const aborted = (err instanceof DOMException && err.name === 'AbortError') || init.signal?.aborted === true;
      if (aborted) return { ok: false, error: browserError('PB_ABORTED') };
      const retried = (init.method ?? 'GET') === 'GET' || init.retryNetwork === true;
      if (attempt === 2 || !retried) return { ok: false, error: browserError('PB_NETWORK') };
      await new Promise((resolve) => setTimeout(resolve, NETWORK_RETRY_MS));
    }
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    return { ok: false, error: browserError('PB_BAD_RESPONSE', [`The server answered ${res.status} ${res.statusText} without JSON`], res.status) };
  }
  if (res.ok) return { ok: true, value: body as T };
  if (isApiError(body)) return { ok: false, error: body };
  // Another server's error passed through keeps its words (Prometheus' `{ status: "error", error }` on
  // /api/prometheus/); the status tells the caller what kind of failure it was.
  const foreign = (body as { error?: unknown } | null)?.error;
  return { ok: false, error: browserError('PB_BAD_RESPONSE', [typeof foreign === 'string' ? foreign : `The server answered ${res.status} ${res.statusText}`], res.status) };
}

/** Whether trying the same request again later may succeed without anything else changing (the registry's `retry`). */
export function isRetried(error: ClientError): boolean {
  return errorRetried(error.code);
}

/** The gateway's error shape with a code this page knows (page and gateway come from one build). */
function isApiError(v: unknown): v is ApiError {
  if (typeof v !== 'object' || v === null) return false;
  const { code, message } = v as Record<string, unknown>;
  return typeof code === 'string' && Object.hasOwn(ErrorRegistry.http, code) && typeof message === 'string';
}
