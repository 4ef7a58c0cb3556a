/**
 * The terminal wire contract, shared by the browser dock and the gateway. No DOM, no `node:` imports:
 * both ends import this file and nothing else of each other.
 *
 * Every WebSocket message is a binary frame: one type byte, then a payload.
 */

/** WebSocket path prefix; a terminal's socket is `${TERMINALS_PATH}${encodeURIComponent(terminalId)}`. */
export const TERMINALS_PATH = '/api/terminals/';

/** Client → server message types. */
export const ClientMessage = {
  /** Payload: UTF-8 keystrokes or pasted text for the pty. */
  Input: 0x00,
  /** Payload: uint16 BE cols, uint16 BE rows. */
  Resize: 0x01,
  /** Payload: uint32 BE count of output bytes the client has parsed (xterm write callback). */
  Ack: 0x02,
} as const;
export type ClientMessageType = (typeof ClientMessage)[keyof typeof ClientMessage];

/** Server → client message types. */
export const ServerMessage = {
  /** Payload: raw pty output bytes. Counts towards flow control. */
  Output: 0x10,
  /** Payload: JSON `TerminalHello`. First message on every (re)attach. */
  Hello: 0x11,
  /** Payload: serialized screen to write after a reset, on reattach. Counts towards flow control. */
  Replay: 0x12,
  /** Payload: JSON `TerminalExit`. The shell ended; the socket closes with 1000 right after. */
  Exit: 0x13,
  /**
   * Payload: JSON `TerminalError`. Sent before a close with the error's close code. Codes, close codes
   * and whether a client reconnects after each: the registry in ./errors.ts.
   */
  Error: 0x14,
  /**
   * Payload: JSON `TerminalSize`. The pty's size changed: sent to read-only watchers when the learner's
   * dock resizes the terminal, so the view lays out the output as the learner sees it.
   */
  Resize: 0x15,
} as const;
export type ServerMessageType = (typeof ServerMessage)[keyof typeof ServerMessage];

/**
 * Flow control, counted in bytes of Output/Replay payload. The server pauses the pty when unacked
 * bytes exceed HIGH and resumes below LOW; the client sends one Ack per ACK_BYTES parsed.
 * Invariant: ACK_BYTES <= LOW_WATERMARK, else a paused stream can wait for an ack that never comes.
 * Values measured well on a 2-core machine: ~98 % of xterm's parse speed, Ctrl-C to prompt < 60 ms.
 */
export const FlowControl = {
  HIGH_WATERMARK: 500_000,
  LOW_WATERMARK: 100_000,
  ACK_BYTES: 25_000,
  /** Second guard: pause when the socket's own send buffer passes this, whatever the acks say. */
  SOCKET_BUFFER_LIMIT: 1_048_576,
} as const;

/** Limits the server enforces on what a client sends. */
export const InputLimits = {
  /** ws maxPayload; the library default (100 MiB) would let one frame exhaust memory. */
  MAX_FRAME_BYTES: 64 * 1024,
  /**
   * Clients send input in frames of at most this many payload bytes (a paste is split), well below
   * MAX_FRAME_BYTES with its type byte; the gateway reads a socket no further while a few chunks wait
   * for a program that is reading (src/terminal/InputPacer.ts), so a paste of any size goes through.
   */
  INPUT_CHUNK_BYTES: 32 * 1024,
  /** Input queued for a pty that is not reading; beyond this the terminal is closed. */
  MAX_QUEUED_INPUT_BYTES: 1024 * 1024,
  MIN_COLS: 2,
  MAX_COLS: 1000,
  MIN_ROWS: 1,
  MAX_ROWS: 500,
} as const;

/** What the client asks for in the socket URL's query string; the server decides what it gets. */
export interface TerminalRequest {
  target: string;
  shell?: string;
  user?: string;
  workdir?: string;
  cols?: number;
  rows?: number;
}

export interface TerminalHello {
  terminalId: string;
  /** The host the shell runs on (the resolved target). */
  host: string;
  shell: string;
  user: string;
  workdir: string;
  /** True when this attach continues an existing shell (a Replay follows). */
  resumed: boolean;
  /** The size the server gave the pty: the size asked for, clamped (protocol bounds, then the screen copy's memory share). */
  cols: number;
  rows: number;
  /**
   * Lines of scrollback the server's screen copy keeps, so a Replay restores at most this many: fewer
   * than the default on very large screens, whose copy would pass its share of the terminal's memory.
   */
  scrollback?: number;
  /**
   * The shell marks its prompts (./promptMarks.ts): D with the last command's exit status before each
   * prompt, A as it starts, so run buttons and the lesson runner know when a command ended and how, and
   * when the shell reads the next. A Replay ends with the shell's last D mark, and A while it is at a prompt.
   */
  promptMarks: boolean;
  /**
   * A watcher's socket (the instructor's read-only view, ObserverLimits): Input and Resize frames it
   * sends are ignored, never reaching the pty; only its Acks count, for its own flow control.
   */
  readOnly?: boolean;
}

/** The size the pty now has (a Resize frame to watchers). */
export interface TerminalSize {
  cols: number;
  rows: number;
}

/**
 * The instructor's read-only view of a learner's terminal: `${OBSERVE_PATH}${learner key}/${terminal id}`.
 * A watcher never holds the learner's terminal back: it has flow control of its own and is dropped
 * (PB_OBSERVER_SLOW, retried: the reconnect's Replay catches it up) when it falls this far behind.
 */
export const OBSERVE_PATH = '/api/instructor/terminals/';
export const ObserverLimits = {
  /** Output sent to a watcher and not acknowledged: 4 × the learner's HIGH_WATERMARK, a few screens. */
  MAX_UNACKED_BYTES: 2_000_000,
  /** Watchers of one terminal at once. */
  MAX_PER_TERMINAL: 4,
} as const;

/** The Error frame's payload; its codes are the registry's terminal family. */
export type { TerminalError } from './errors.ts';

export interface TerminalExit {
  exitCode: number;
  signal?: number;
}

const encoder = new TextEncoder();

export function encodeFrame(type: number, payload: Uint8Array | string = new Uint8Array(0)): Uint8Array {
  const body = typeof payload === 'string' ? encoder.encode(payload) : payload;
  const frame = new Uint8Array(1 + body.length);
  frame[0] = type;
  frame.set(body, 1);
  return frame;
}

/** One frame from several payload pieces, copied once (the gateway's coalesced output). */
export function encodeFrameFromChunks(type: number, chunks: readonly Uint8Array[], length: number): Uint8Array {
  const frame = new Uint8Array(1 + length);
  frame[0] = type;
  let at = 1;
  for (const chunk of chunks) {
    frame.set(chunk, at);
    at += chunk.byteLength;
  }
  return frame;
}

export function encodeJsonFrame(type: number, value: unknown): Uint8Array {
  return encodeFrame(type, JSON.stringify(value));
}

export function encodeResize(cols: number, rows: number): Uint8Array {
  const frame = new Uint8Array(5);
  const view = new DataView(frame.buffer);
  frame[0] = ClientMessage.Resize;
  view.setUint16(1, cols);
  view.setUint16(3, rows);
  return frame;
}

export function encodeAck(bytes: number): Uint8Array {
  const frame = new Uint8Array(5);
  frame[0] = ClientMessage.Ack;
  new DataView(frame.buffer).setUint32(1, bytes);
  return frame;
}

export type DecodedClientMessage =
  | { type: typeof ClientMessage.Input; data: Uint8Array }
  | { type: typeof ClientMessage.Resize; cols: number; rows: number }
  | { type: typeof ClientMessage.Ack; bytes: number }
  | { type: 'invalid'; reason: string };

/** Decodes a client frame. Never throws: a bad frame is a value the server closes on. */
export function decodeClientFrame(frame: Uint8Array): DecodedClientMessage {
  if (frame.length === 0) return { type: 'invalid', reason: 'empty frame' };
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  switch (frame[0]) {
    case ClientMessage.Input:
      return { type: ClientMessage.Input, data: frame.subarray(1) };
    case ClientMessage.Resize:
      if (frame.length !== 5) return { type: 'invalid', reason: `resize frame must be 5 bytes, got ${frame.length}` };
      return { type: ClientMessage.Resize, cols: view.getUint16(1), rows: view.getUint16(3) };
    case ClientMessage.Ack:
      if (frame.length !== 5) return { type: 'invalid', reason: `ack frame must be 5 bytes, got ${frame.length}` };
      return { type: ClientMessage.Ack, bytes: view.getUint32(1) };
    default:
      return { type: 'invalid', reason: `unknown message type 0x${frame[0]!.toString(16).padStart(2, '0')}` };
  }
}

export function clampSize(cols: number, rows: number): { cols: number; rows: number } {
  const clamp = (v: number, lo: number, hi: number) => (Number.isFinite(v) ? Math.min(hi, Math.max(lo, Math.trunc(v))) : lo);
  return {
    cols: clamp(cols, InputLimits.MIN_COLS, InputLimits.MAX_COLS),
    rows: clamp(rows, InputLimits.MIN_ROWS, InputLimits.MAX_ROWS),
  };
}
