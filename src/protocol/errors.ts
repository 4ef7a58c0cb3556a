/**
 * One registry of the errors the HTTP API answers with; one wire shape for all of them
 * (`{ statusCode, code, error, message }`). Shared by server and browser.
 */
export interface ApiError {
  statusCode: number;
  code: string;
  error: string;
  message: string;
}

interface ErrorSpec {
  statusCode: number;
  error: string;
  /** Message template; `%s` placeholders are filled in order. */
  message: string;
}

export const ApiErrors = {
  PB_NOT_FOUND: { statusCode: 404, error: 'Not Found', message: 'No route %s' },
  PB_NO_SESSION: { statusCode: 401, error: 'Unauthorized', message: 'No Patchbay session: load the site first so it can issue a session cookie' },
  PB_BAD_ORIGIN: { statusCode: 403, error: 'Forbidden', message: 'Origin %s is not allowed' },
  PB_BAD_REQUEST: { statusCode: 400, error: 'Bad Request', message: '%s' },
  PB_PAYLOAD_TOO_LARGE: { statusCode: 413, error: 'Payload Too Large', message: 'Request body is larger than %s bytes' },
  PB_UNKNOWN_TARGET: { statusCode: 404, error: 'Not Found', message: 'No host %s in this lab' },
  PB_TARGET_REFUSED: { statusCode: 403, error: 'Forbidden', message: '%s' },
  PB_TOO_MANY_TERMINALS: { statusCode: 429, error: 'Too Many Requests', message: 'Too many terminals: %s' },
  PB_UNKNOWN_CHALLENGE: { statusCode: 404, error: 'Not Found', message: 'No challenge %s in this lab' },
  PB_REVEAL_LOCKED: { statusCode: 409, error: 'Conflict', message: 'Try challenge %s at least once before asking for its answer' },
  PB_TOO_MANY_CHECKS: { statusCode: 429, error: 'Too Many Requests', message: 'This session already has %s checks running; wait for their answers' },
  PB_LAB_NOT_READY: { statusCode: 503, error: 'Service Unavailable', message: 'The lab is %s' },
  PB_UPSTREAM: { statusCode: 502, error: 'Bad Gateway', message: '%s' },
  PB_INTERNAL: { statusCode: 500, error: 'Internal Server Error', message: '%s' },
} as const satisfies Record<string, ErrorSpec>;

export type ApiErrorCode = keyof typeof ApiErrors;

export function apiError(code: ApiErrorCode, ...args: string[]): ApiError {
  const spec: ErrorSpec = ApiErrors[code];
  let i = 0;
  const message = spec.message.replace(/%s/g, () => args[i++] ?? '');
  return { statusCode: spec.statusCode, code, error: spec.error, message };
}
