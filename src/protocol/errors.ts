/**
 * Every error Patchbay reports, in one registry (after fastify's lib/errors.js: a code, a message
 * template, a status; and ws's close codes). Shared by the server and the browser; the types below
 * are derived from it, so a code that is not here does not compile. docs/authoring/errors.md lists
 * every entry for people, and test/docs/errorsPage.test.ts fails when the two disagree.
 *
 * Families:
 * - `http`: answers of the HTTP API (and refused WebSocket upgrades), all in one wire shape, `ApiError`.
 * - `terminal`: the Error frame a terminal socket gets just before it is closed with `close`.
 * - `close`: the socket's close codes, with whether the dock reconnects after each (a terminal error's
 *   retry is its close code's: the close is what a client always sees, the Error frame may be lost).
 * - `check`: why the checker could not grade an answer (`CheckError.kind`).
 * - `browser`: failures the browser finds itself, with no error answer from the server to go by.
 *
 * `retry`: a client may try the same thing again on its own (the dock's reconnect backoff, a graph's
 * next poll say so); otherwise something must change first. Templates fill each `%s` with the next
 * argument.
 */

/** The one wire shape of an HTTP error, whichever route answers it. */
export interface ApiError<Code extends string = HttpErrorCode> {
  statusCode: number;
  code: Code;
  /** The HTTP reason phrase of statusCode (or the browser family's name for its own failures). */
  error: string;
  message: string;
}

interface HttpSpec {
  status: number;
  error: string;
  retry: boolean;
  message: string;
}

interface CloseSpec {
  code: number;
  retry: boolean;
  /** What the dock shows when a close of this code comes without an Error frame or a reason. */
  message?: string;
}

interface TerminalSpec {
  /** The close the socket gets right after the Error frame. */
  close: keyof typeof closes;
  message: string;
}

/** 1000–1015 are RFC 6455's (1002 and 1009 are sent by ws itself; 1006 is never sent, see below); 4xxx are ours. */
const closes = {
  /** The shell exited (an Exit frame came first) or the terminal ended. */
  Normal: { code: 1000, retry: false },
  /** The gateway is shutting down; the next one may be up soon. */
  GoingAway: { code: 1001, retry: true },
  ProtocolError: { code: 1002, retry: true },
  PolicyViolation: { code: 1008, retry: false },
  /** A frame above InputLimits.MAX_FRAME_BYTES (ws maxPayload). */
  MessageTooBig: { code: 1009, retry: true },
  /** Another socket of the same session attached to this terminal. */
  TakenOver: { code: 4001, retry: false, message: 'this terminal was opened in another tab' },
  /** The terminal's target, user, shell or workdir is not allowed. */
  TargetRefused: { code: 4003, retry: false, message: 'the server refused this terminal' },
  /** The terminal's idle or absolute limit passed. */
  LimitReached: { code: 4008, retry: false, message: 'the session reached its time limit' },
  /** Malformed or unknown frame. */
  BadFrame: { code: 4400, retry: false },
  /** The client ignored flow control (input flood), or the program stopped reading. */
  InputOverflow: { code: 4413, retry: false },
  /** The instructor's read-only view fell too far behind the terminal (ObserverLimits); its reconnect replays the screen. */
  ObserverSlow: { code: 4408, retry: true, message: 'the view fell behind the terminal' },
  /** The instructor's view asked for a terminal the learner does not have open. */
  NoTerminal: { code: 4404, retry: false, message: 'the learner has no such terminal open' },
  /** The gateway holds its maximum of terminals; one may free up. */
  TryAgainLater: { code: 4429, retry: true },
  /** The lab is not ready yet; the dock retries with backoff until it is. */
  LabNotReady: { code: 4503, retry: true, message: 'the lab is not ready yet' },
  /** The learner's lab instance was reclaimed (idle, lifetime, ended): reopening gets a fresh one, when the learner asks. */
  LabReclaimed: { code: 4410, retry: false, message: 'your lab was reclaimed; reopen the terminal for a fresh one' },
  /** The learner reset their lab: the dock reconnects, to the fresh instance. */
  LabReset: { code: 4205, retry: true, message: 'your lab was reset; reopening on the fresh one' },
} as const satisfies Record<string, CloseSpec>;

interface CheckSpec {
  /** The verdict's heading on the page. */
  title: string;
  /** Whether the check counts as an attempt (false: the answer was never graded). */
  attempt: boolean;
  retry: boolean;
}

interface BrowserSpec {
  /** The statusCode it carries: 0 when there was no HTTP answer; absent: the status of the answer it was. */
  status?: number;
  error: string;
  retry: boolean;
  message: string;
}

export const ErrorRegistry = {
  http: {
    PB_NOT_FOUND: { status: 404, error: 'Not Found', retry: false, message: 'No route %s' },
    PB_NO_SESSION: { status: 401, error: 'Unauthorized', retry: false, message: 'Not signed in: open the sign-in link the server printed at start, or an invite link' },
    PB_BAD_ORIGIN: { status: 403, error: 'Forbidden', retry: false, message: 'Origin %s is not allowed' },
    /** The Host header names no host this gateway serves (DNS rebinding, a proxy on another name). */
    PB_BAD_HOST: { status: 403, error: 'Forbidden', retry: false, message: 'Host %s is not one this server answers to' },
    PB_BAD_TOKEN: { status: 401, error: 'Unauthorized', retry: false, message: "That is not this server's sign-in token" },
    PB_NOT_ADMIN: { status: 401, error: 'Unauthorized', retry: false, message: "This needs the operator's admin token (Authorization: Bearer TOKEN)" },
    /** The instructor's API and view (/instructor) without the instructor's sign-in (the operator's token). */
    PB_NOT_INSTRUCTOR: { status: 401, error: 'Unauthorized', retry: false, message: "This needs the instructor's sign-in: the operator's token (hosted: the admin token; local: the sign-in token)" },
    PB_NO_LEARNER: { status: 404, error: 'Not Found', retry: false, message: 'No learner %s on the roster' },
    /** Ending or resetting a learner's lab on a gateway that runs one shared lab (no pool of instances). */
    PB_NO_LAB_POOL: { status: 409, error: 'Conflict', retry: false, message: 'This gateway runs no lab per learner, so there is no lab of theirs to %s' },
    PB_BAD_INVITE: { status: 404, error: 'Not Found', retry: false, message: 'This invite link is unknown, expired or used up' },
    PB_TOO_MANY_SIGN_INS: { status: 429, error: 'Too Many Requests', retry: false, message: 'Too many failed sign-in attempts from %s; wait a minute' },
    PB_TOO_MANY_SESSIONS: { status: 429, error: 'Too Many Requests', retry: false, message: 'Address %s already holds %s live sessions' },
    PB_BAD_REQUEST: { status: 400, error: 'Bad Request', retry: false, message: '%s' },
    PB_PAYLOAD_TOO_LARGE: { status: 413, error: 'Payload Too Large', retry: false, message: 'Request body is larger than %s bytes' },
    PB_UNKNOWN_CHALLENGE: { status: 404, error: 'Not Found', retry: false, message: 'No challenge %s in this lab' },
    PB_REVEAL_LOCKED: { status: 409, error: 'Conflict', retry: false, message: 'Try challenge %s at least once before asking for its answer' },
    PB_UNKNOWN_TASK: { status: 404, error: 'Not Found', retry: false, message: 'No task %s in this lab' },
    PB_TASK_REVEAL_LOCKED: { status: 409, error: 'Conflict', retry: false, message: 'Check task %s at least once before asking for its solution' },
    PB_DASHBOARD_STALE: { status: 409, error: 'Conflict', retry: false, message: 'Dashboard %s was saved meanwhile (version %s, yours was made from %s): reload to see it' },
    PB_TOO_MANY_CHECKS: { status: 429, error: 'Too Many Requests', retry: true, message: 'This session already has %s checks running; wait for their answers' },
    PB_LAB_NOT_READY: { status: 503, error: 'Service Unavailable', retry: true, message: 'The lab is %s' },
    /** Every lab instance is taken: the learner waits in the queue (GET /api/lab says the place and estimate). */
    PB_LAB_QUEUED: { status: 503, error: 'Service Unavailable', retry: true, message: 'Waiting for a lab: %s' },
    /**
     * The learner's instance was reclaimed while nothing they did needed it, and a graph poll does not start
     * a new one (a page left open must not hold a lab): activity (a terminal, a check, POST /api/lab) does.
     */
    PB_LAB_RECLAIMED: { status: 409, error: 'Conflict', retry: true, message: 'Your lab was reclaimed %s; open a terminal or start your lab again for a fresh one' },
    PB_UPSTREAM: { status: 502, error: 'Bad Gateway', retry: true, message: '%s' },
    /** `/lab-web/<id>/…` names no `web:` service of the lab (lab.yaml). */
    PB_UNKNOWN_WEB_SERVICE: { status: 404, error: 'Not Found', retry: false, message: 'No web service %s in this lab (it has: %s)' },
    PB_INTERNAL: { status: 500, error: 'Internal Server Error', retry: false, message: '%s' },
  },
  close: closes,
  /** Where only the producer knows the reason (a target's resolver, a frame decoder) the template is `%s`. */
  terminal: {
    /** Malformed frame, unknown type, or a text frame. */
    PB_BAD_FRAME: { close: 'BadFrame', message: '%s' },
    /** More than InputLimits.MAX_QUEUED_INPUT_BYTES waiting for a program that does not read. */
    PB_INPUT_OVERFLOW: { close: 'InputOverflow', message: 'Too much input queued: the program is not reading it' },
    /** The program stopped reading its input; the terminal was ended. */
    PB_INPUT_STALLED: { close: 'InputOverflow', message: 'The program stopped reading its input; the terminal was ended' },
    /** The terminal lives on for a reattach (a reload); the dock does not reconnect by itself. */
    PB_ACK_STALL: { close: 'PolicyViolation', message: 'No acknowledgement for %s ms while output was waiting' },
    PB_LIMIT: { close: 'LimitReached', message: '%s' },
    /**
     * Refusals of the target are sent inside the socket (Error, then close), not as an HTTP error before
     * the upgrade: browsers hide an upgrade's HTTP answer from page code (all it sees is 1006).
     */
    PB_UNKNOWN_TARGET: { close: 'TargetRefused', message: '%s' },
    PB_TARGET_REFUSED: { close: 'TargetRefused', message: '%s' },
    PB_LAB_NOT_READY: { close: 'LabNotReady', message: '%s' },
    /** The learner's instance was reclaimed (idle, lifetime, ended by the instructor): the terminal ends with it. */
    PB_LAB_RECLAIMED: { close: 'LabReclaimed', message: 'Your lab was reclaimed %s. Reopen this terminal to get a fresh lab.' },
    /** The learner reset their lab: the terminal ends with the old instance and the dock reopens it on the new one. */
    PB_LAB_RESET: { close: 'LabReset', message: 'Your lab was reset: reopening this terminal on the fresh one' },
    PB_TOO_MANY_TERMINALS: { close: 'TryAgainLater', message: 'Too many terminals: %s' },
    /** The instructor's view did not keep up with the terminal's output; it reconnects and is redrawn. */
    PB_OBSERVER_SLOW: { close: 'ObserverSlow', message: 'This view fell more than %s bytes behind the terminal; redrawing' },
    PB_NO_TERMINAL: { close: 'NoTerminal', message: 'The learner has no terminal %s open' },
  },
  check: {
    empty: { title: 'The query is empty', attempt: true, retry: false },
    'too-long': { title: 'The query is too long', attempt: true, retry: false },
    binary: { title: 'The query contains characters that cannot be PromQL', attempt: true, retry: false },
    syntax: { title: 'Syntax error', attempt: true, retry: false },
    type: { title: 'Type error', attempt: true, retry: false },
    /** Nested deeper, or with a longer run of unary signs, than ChallengeLimits allows: refused before parsing. */
    'too-complex': { title: 'The query is nested too deeply', attempt: true, retry: false },
    /**
     * The check ran out of time before it could grade the answer: its analysis went over its budget, or
     * Prometheus did not answer before our deadline. Never graded, so not an attempt.
     */
    'timed-out': { title: 'The check took too long', attempt: false, retry: false },
    /** Prometheus refused it: too many samples or series, a timeout. */
    'too-expensive': { title: 'The query is too expensive for the lab', attempt: true, retry: false },
    execution: { title: 'Prometheus could not run the query', attempt: true, retry: false },
    /** Prometheus could not be reached or the lab is not ready: not graded, so not an attempt. */
    unavailable: { title: "The lab's Prometheus is not available", attempt: false, retry: false },
    /**
     * The lab has not produced, in the evaluation window, the data this challenge is about (say, the
     * lesson's overload), so right and wrong answers would look alike; the message says what to run.
     */
    'needs-data': { title: 'The lab has no data for this question yet', attempt: false, retry: false },
  },
  browser: {
    /** fetch failed: no HTTP answer at all. */
    PB_NETWORK: { status: 0, error: 'Network Error', retry: true, message: 'Cannot reach the Patchbay server. Is it running?' },
    /** The page cancelled the request (it moved on); nothing to show. */
    PB_ABORTED: { status: 0, error: 'Aborted', retry: false, message: 'Request cancelled' },
    /** An answer that is not JSON, or an error that is not an ApiError (Prometheus' own, through the proxy, keeps its words). */
    PB_BAD_RESPONSE: { error: 'Bad Response', retry: false, message: '%s' },
    /** Check pressed with nothing typed: not worth a request. */
    PB_EMPTY: { status: 0, error: 'Empty', retry: false, message: 'Type a PromQL query first.' },
  },
} as const satisfies {
  http: Record<`PB_${string}`, HttpSpec>;
  close: Record<string, CloseSpec>;
  terminal: Record<`PB_${string}`, TerminalSpec>;
  check: Record<string, CheckSpec>;
  browser: Record<`PB_${string}`, BrowserSpec>;
};

type Registry = typeof ErrorRegistry;
export type HttpErrorCode = keyof Registry['http'];
export type TerminalErrorCode = keyof Registry['terminal'];
export type CheckErrorKind = keyof Registry['check'];
export type BrowserErrorCode = keyof Registry['browser'];
export type CloseName = keyof Registry['close'];

/** WebSocket close codes by name, e.g. `CloseCode.TargetRefused` (4003). */
export const CloseCode = Object.fromEntries(Object.entries(ErrorRegistry.close).map(([name, spec]) => [name, spec.code])) as {
  readonly [N in CloseName]: Registry['close'][N]['code'];
};
export type CloseCodeValue = (typeof CloseCode)[CloseName];

/** What the browser sees when a socket drops or its upgrade is refused; RFC 6455 forbids sending it. */
export const ABNORMAL_CLOSURE = 1006;

function fill(template: string, args: readonly string[]): string {
  let i = 0;
  return template.replace(/%s/g, () => args[i++] ?? '');
}

export function apiError(code: HttpErrorCode, ...args: string[]): ApiError {
  const spec: HttpSpec = ErrorRegistry.http[code];
  return { statusCode: spec.status, code, error: spec.error, message: fill(spec.message, args) };
}

/** An error the browser reports itself; `answered` is the HTTP status of the answer it is about, if any. */
export function browserError(code: BrowserErrorCode, args: readonly string[] = [], answered = 0): ApiError<BrowserErrorCode> {
  const spec: BrowserSpec = ErrorRegistry.browser[code];
  return { statusCode: spec.status ?? answered, code, error: spec.error, message: fill(spec.message, args) };
}

/** The payload of a terminal socket's Error frame (ServerMessage.Error in terminal.ts). */
export interface TerminalError {
  code: TerminalErrorCode;
  message: string;
}

export function isTerminalErrorCode(code: string): code is TerminalErrorCode {
  return Object.hasOwn(ErrorRegistry.terminal, code);
}

export function terminalError(code: TerminalErrorCode, ...args: string[]): TerminalError {
  return { code, message: fill(ErrorRegistry.terminal[code].message, args) };
}

/** The close code that follows a terminal error's Error frame. */
export function closeCodeOf(code: TerminalErrorCode): CloseCodeValue {
  return CloseCode[ErrorRegistry.terminal[code].close];
}

const closeByCode = new Map<number, CloseSpec>(Object.values(ErrorRegistry.close).map((spec) => [spec.code, spec]));

/** Whether a client reconnects after a close with this code. Codes we never send (1006: dropped, refused) are retried. */
export function closeRetried(code: number): boolean {
  return closeByCode.get(code)?.retry ?? true;
}

/** The registry's words for a close of this code, when it has any. */
export function closeMessage(code: number): string | undefined {
  return closeByCode.get(code)?.message;
}

/** Whether a client may repeat a request that failed with this code (unknown codes: no). */
export function errorRetried(code: string): boolean {
  const families: Record<string, { retry: boolean }>[] = [ErrorRegistry.http, ErrorRegistry.browser];
  return families.some((family) => Object.hasOwn(family, code) && family[code]!.retry);
}
