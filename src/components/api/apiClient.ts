import type { ApiError } from '../../protocol/errors.ts';

/**
 * The browser's one way to call the gateway's JSON API. Expected failures (the server's ApiError, a
 * dropped connection, a body that is not JSON) come back as values so components can show them.
 */
export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/** No status: the request never got an HTTP answer (network down, gateway stopped, aborted). */
const NO_RESPONSE = 0;

export async function callApi<T>(path: string, init: { method?: 'GET' | 'POST'; body?: unknown; signal?: AbortSignal } = {}): Promise<ApiResult<T>> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: init.method ?? 'GET',
      headers: init.body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      credentials: 'same-origin',
      signal: init.signal,
    });
  } catch (err) {
    const aborted = err instanceof DOMException && err.name === 'AbortError';
    return failure(NO_RESPONSE, aborted ? 'PB_ABORTED' : 'PB_NETWORK', aborted ? 'Request cancelled' : 'Cannot reach the Patchbay server. Is it running?');
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    return failure(res.status, 'PB_BAD_RESPONSE', `The server answered ${res.status} ${res.statusText} without JSON`);
  }
  if (res.ok) return { ok: true, value: body as T };
  if (isApiError(body)) return { ok: false, error: body };
  return failure(res.status, 'PB_BAD_RESPONSE', `The server answered ${res.status} ${res.statusText}`);
}

function failure(statusCode: number, code: string, message: string): { ok: false; error: ApiError } {
  return { ok: false, error: { statusCode, code, error: code, message } };
}

function isApiError(v: unknown): v is ApiError {
  return typeof v === 'object' && v !== null && typeof (v as ApiError).code === 'string' && typeof (v as ApiError).message === 'string';
}
