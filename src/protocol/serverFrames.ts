/**
 * Decoding of the frames a terminal's server sends (ServerMessage in terminal.ts), for every client:
 * the browser dock, the lesson runner, the tests' client and the bench. JSON payloads are checked
 * field by field, so a client holds a typed value or a reason, never a cast guess.
 */
import { isTerminalErrorCode } from './errors.ts';
import { ServerMessage, type TerminalError, type TerminalExit, type TerminalHello, type TerminalSize } from './terminal.ts';

export type ServerFrame =
  /** Pty output; `data` is a view into the frame. Counts towards flow control. */
  | { type: typeof ServerMessage.Output; data: Uint8Array }
  /** The screen to redraw after a reset; `data` is a view into the frame. Counts towards flow control. */
  | { type: typeof ServerMessage.Replay; data: Uint8Array }
  | { type: typeof ServerMessage.Hello; hello: TerminalHello }
  | { type: typeof ServerMessage.Exit; exit: TerminalExit }
  | { type: typeof ServerMessage.Error; error: TerminalError }
  /** The pty's new size (to read-only watchers). */
  | { type: typeof ServerMessage.Resize; size: TerminalSize }
  /** A type this client does not know: a newer server's; ignoring it keeps older clients working. */
  | { type: 'unknown'; code: number }
  | { type: 'invalid'; reason: string };

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Decodes one server frame. Never throws: a malformed frame is a value with the reason. */
export function decodeServerFrame(frame: Uint8Array): ServerFrame {
  if (frame.length === 0) return { type: 'invalid', reason: 'empty frame' };
  const payload = frame.subarray(1);
  try {
    switch (frame[0]) {
      case ServerMessage.Output:
        return { type: ServerMessage.Output, data: payload };
      case ServerMessage.Replay:
        return { type: ServerMessage.Replay, data: payload };
      case ServerMessage.Hello:
        return { type: ServerMessage.Hello, hello: readHello(json(payload)) };
      case ServerMessage.Exit:
        return { type: ServerMessage.Exit, exit: readExit(json(payload)) };
      case ServerMessage.Error:
        return { type: ServerMessage.Error, error: readError(json(payload)) };
      case ServerMessage.Resize:
        return { type: ServerMessage.Resize, size: readSize(json(payload)) };
      default:
        return { type: 'unknown', code: frame[0]! };
    }
  } catch (e) {
    const name = Object.entries(ServerMessage).find(([, code]) => code === frame[0])?.[0];
    return { type: 'invalid', reason: `${name} frame: ${e instanceof Error ? e.message : String(e)}` };
  }
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function json(payload: Uint8Array): JsonObject {
  const value: unknown = JSON.parse(decoder.decode(payload));
  if (!isObject(value)) throw new Error('payload is not a JSON object');
  return value;
}

function string(o: JsonObject, key: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new Error(`${key} must be a string`);
  return v;
}

function integer(o: JsonObject, key: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new Error(`${key} must be an integer`);
  return v;
}

function boolean(o: JsonObject, key: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') throw new Error(`${key} must be true or false`);
  return v;
}

// Fields a newer server adds are left out rather than refused, as unknown frame types are.
function readHello(o: JsonObject): TerminalHello {
  return {
    terminalId: string(o, 'terminalId'),
    host: string(o, 'host'),
    shell: string(o, 'shell'),
    user: string(o, 'user'),
    workdir: string(o, 'workdir'),
    resumed: boolean(o, 'resumed'),
    cols: integer(o, 'cols'),
    rows: integer(o, 'rows'),
    promptMarks: boolean(o, 'promptMarks'),
    ...(o.scrollback !== undefined && { scrollback: integer(o, 'scrollback') }),
    ...(o.readOnly !== undefined && { readOnly: boolean(o, 'readOnly') }),
  };
}

function readSize(o: JsonObject): TerminalSize {
  return { cols: integer(o, 'cols'), rows: integer(o, 'rows') };
}

function readExit(o: JsonObject): TerminalExit {
  const exit: TerminalExit = { exitCode: integer(o, 'exitCode') };
  if (o.signal !== undefined) exit.signal = integer(o, 'signal');
  return exit;
}

function readError(o: JsonObject): TerminalError {
  const code = string(o, 'code');
  if (!isTerminalErrorCode(code)) throw new Error(`code ${JSON.stringify(code)} is not a terminal error code (errors.ts)`);
  return { code, message: string(o, 'message') };
}
