/**
 * The browser end of one terminal's socket (contract: src/protocol/terminal.ts). Knows nothing of
 * xterm or React: it writes into a `TerminalSink` and reports a `ConnectionState`.
 *
 * - Acks come from the sink's write callback (after parsing), one Ack per ACK_BYTES, so the server's
 *   flow control tracks what the renderer has really consumed.
 * - On Hello with resumed=true the sink is reset and the Replay redraws the screen.
 * - After a drop it reconnects with backoff, unless the error registry says its close code is final.
 * - Input goes in frames of at most InputLimits.INPUT_CHUNK_BYTES, so a paste of any size fits the
 *   server's frame limit; the next chunk waits until the socket has handed the last to the network, and
 *   the gateway stops reading while the program has not caught up (its input pacing), so a paste is
 *   never more input than the gateway lets wait for a program.
 */
import {
  ClientMessage,
  InputLimits,
  ServerMessage,
  TERMINALS_PATH,
  encodeFrame,
  encodeResize,
  type TerminalHello,
  type TerminalSize,
  type TerminalRequest,
} from '../../protocol/terminal.ts';
import { decodeServerFrame } from '../../protocol/serverFrames.ts';
import { ABNORMAL_CLOSURE, CloseCode, closeMessage, closeRetried } from '../../protocol/errors.ts';
import { AckCounter } from '../../protocol/AckCounter.ts';
import type { ConnectionState } from './dockStore.ts';

export interface TerminalSink {
  write(data: Uint8Array | string, parsed?: () => void): void;
  /** Clears screen and scrollback before a replay. */
  reset(): void;
}

export interface TerminalConnectionOptions {
  terminalId: string;
  request: Omit<TerminalRequest, 'cols' | 'rows'>;
  sink: TerminalSink;
  onState(state: ConnectionState): void;
  /** Called on each Output or Replay, for "has the output settled" checks. */
  onOutput?(): void;
  /** Called with each Hello (what the shell is, whether it resumed, whether it marks prompts). */
  onHello?(hello: TerminalHello): void;
  /** The pty's size changed (a read-only view: the learner resized their terminal). */
  onResize?(size: TerminalSize): void;
  /**
   * Asked when a socket fails before opening (the browser hides the gateway's HTTP refusal):
   * says why, and whether retrying is pointless.
   */
  diagnose?(): Promise<{ message: string; final: boolean }>;
  /** Page origin; the socket goes to the same host (the gateway serves both). */
  origin?: string;
  /** Another socket path than the terminal's own (the instructor's read-only view: protocol/instructor.ts observePath). */
  socketPath?: string;
  size?: { cols: number; rows: number };
}

/** First retry soon (a reload or a blip), then back off so a down gateway is not hammered. */
export const RECONNECT_BASE_MS = 300;
export const RECONNECT_MAX_MS = 10_000;
/** Up to this fraction of the delay is added at random, so many tabs do not retry in lockstep. */
export const RECONNECT_JITTER = 0.3;

/** Input typed or run before the shell attaches; beyond this it is dropped (a page is not a buffer). */
export const MAX_HELD_INPUT_BYTES = 64 * 1024;
/**
 * A paste's next chunk is sent once the socket's send buffer is below this: one chunk in the buffer
 * keeps the pipe full, more would only pile up in the browser while the gateway holds the socket back.
 */
export const PASTE_BUFFERED_BYTES = InputLimits.INPUT_CHUNK_BYTES;
/** A browser's WebSocket has no event for a drained send buffer: while a paste waits, look this often. */
export const PASTE_POLL_MS = 10;

const encoder = new TextEncoder();

export function terminalSocketUrl(origin: string, terminalId: string, request: TerminalRequest): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(request)) {
    if (value !== undefined && value !== '') query.set(key, String(value));
  }
  return `${origin.replace(/^http/, 'ws')}${TERMINALS_PATH}${encodeURIComponent(terminalId)}?${query}`;
}

export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (1 + RECONNECT_JITTER * random()));
}

/** Human text for a close that carried no Error message (the registry's words for the close code). */
export function describeClose(code: number, reason: string): string {
  if (reason) return reason;
  if (code === ABNORMAL_CLOSURE) return 'cannot reach the gateway';
  return closeMessage(code) ?? `connection closed (code ${code})`;
}

export class TerminalConnection {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly acks = new AckCounter();
  private size: { cols: number; rows: number };
  private lastError: string | null = null;
  private finished = false;
  /** Whether the current socket got past the upgrade: tells a drop from a refused or unreachable gateway. */
  private opened = false;
  /** Whether Hello arrived on the current socket: input before it is held, not lost. */
  private attached = false;
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  /** Input frames of the attached socket, sent in order as its send buffer drains (a long paste). */
  private outbox: Uint8Array[] = [];
  private pumpTimer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;

  constructor(private readonly options: TerminalConnectionOptions) {
    this.size = options.size ?? { cols: 80, rows: 24 };
  }

  connect(): void {
    if (this.disposed) return;
    const { terminalId, request, origin, socketPath } = this.options;
    const base = origin ?? location.origin;
    const url = socketPath ? `${base.replace(/^http/, 'ws')}${socketPath}` : terminalSocketUrl(base, terminalId, { ...request, ...this.size });
    const socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    this.acks.reset();
    this.lastError = null;
    this.opened = false;
    this.attached = false;
    if (this.attempt === 0) this.options.onState({ kind: 'connecting' });
    socket.onopen = () => {
      if (socket === this.socket) this.opened = true;
    };
    socket.onmessage = (event) => {
      if (socket === this.socket && event.data instanceof ArrayBuffer) this.receive(new Uint8Array(event.data));
    };
    socket.onclose = (event) => {
      if (socket === this.socket) this.closed(event.code, event.reason);
    };
  }

  /** Keystrokes and pasted text from xterm's onData: the only input path, so nothing is sent twice. */
  sendInput(data: string): void {
    this.sendBytes(encoder.encode(data));
  }

  /** xterm's onBinary (some mouse reports): one byte per char. */
  sendBinary(data: string): void {
    const bytes = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) bytes[i] = data.charCodeAt(i) & 0xff;
    this.sendBytes(bytes);
  }

  /** One Input frame per chunk; a character split between two is joined again by the pty, a byte device. */
  private sendBytes(bytes: Uint8Array): void {
    const chunk = InputLimits.INPUT_CHUNK_BYTES;
    let at = 0;
    do {
      this.sendOrHold(encodeFrame(ClientMessage.Input, bytes.subarray(at, at + chunk)));
      at += chunk;
    } while (at < bytes.length);
  }

  /** Input before the shell is attached (a run button clicked as the page loads) waits for Hello. */
  private sendOrHold(frame: Uint8Array): void {
    if (this.attached && this.socket?.readyState === WebSocket.OPEN) {
      this.outbox.push(frame);
      this.pump();
      return;
    }
    if (this.heldBytes + frame.length > MAX_HELD_INPUT_BYTES) return;
    this.held.push(frame);
    this.heldBytes += frame.length;
  }

  /** Sends queued input while the socket's send buffer has room; else looks again shortly. */
  private pump(): void {
    const socket = this.socket;
    while (this.outbox.length > 0 && this.attached && socket?.readyState === WebSocket.OPEN) {
      if (socket.bufferedAmount >= PASTE_BUFFERED_BYTES) {
        this.pumpTimer ??= setTimeout(() => {
          this.pumpTimer = null;
          this.pump();
        }, PASTE_POLL_MS);
        return;
      }
      socket.send(this.outbox.shift()!);
    }
  }

  /** Input not yet sent belongs to the socket it was typed for: a reconnect may be a fresh shell. */
  private dropOutbox(): void {
    this.outbox = [];
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
    this.pumpTimer = null;
  }

  resize(cols: number, rows: number): void {
    if (cols === this.size.cols && rows === this.size.rows) return;
    this.size = { cols, rows };
    this.send(encodeResize(cols, rows));
  }

  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  dispose(): void {
    this.disposed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.dropOutbox();
    const socket = this.socket;
    this.socket = null;
    // Browsers may only send 1000 or 4xxx; the server keeps the shell for its grace period either way.
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close(CloseCode.Normal, 'page closed');
  }

  private send(frame: Uint8Array): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(frame);
  }

  private receive(bytes: Uint8Array): void {
    const frame = decodeServerFrame(bytes);
    switch (frame.type) {
      case ServerMessage.Output:
      case ServerMessage.Replay:
        this.options.onOutput?.();
        this.writeCounted(frame.data);
        return;
      case ServerMessage.Hello: {
        const { hello } = frame;
        this.attempt = 0;
        this.acks.reset();
        if (hello.resumed) this.options.sink.reset();
        this.options.onHello?.(hello);
        this.options.onState({ kind: 'connected', host: hello.host, resumed: hello.resumed });
        if (hello.cols !== this.size.cols || hello.rows !== this.size.rows) this.send(encodeResize(this.size.cols, this.size.rows));
        this.attached = true;
        this.outbox.push(...this.held.splice(0));
        this.heldBytes = 0;
        this.pump();
        return;
      }
      case ServerMessage.Exit: {
        const { exit } = frame;
        this.finished = true;
        const how = exit.signal ? `signal ${exit.signal}` : `code ${exit.exitCode}`;
        this.options.sink.write(`\r\n\x1b[2m[process exited with ${how}]\x1b[0m\r\n`);
        this.options.onState({ kind: 'exited', exitCode: exit.exitCode });
        return;
      }
      case ServerMessage.Resize:
        this.options.onResize?.(frame.size);
        return;
      case ServerMessage.Error:
        this.lastError = frame.error.message;
        this.options.sink.write(`\r\n\x1b[31m[${frame.error.message}]\x1b[0m\r\n`);
        return;
      case 'invalid':
        // Nothing a learner can act on; the console keeps it for whoever debugs the gateway.
        console.warn(`terminal ${this.options.terminalId}: ignored a bad frame from the gateway: ${frame.reason}`);
        return;
      case 'unknown':
        // A newer server may add types; ignoring them keeps old pages working.
        return;
    }
  }

  private writeCounted(payload: Uint8Array): void {
    const bytes = payload.length;
    // xterm keeps a reference to the buffer until parsed; the socket's ArrayBuffer is not reused.
    this.options.sink.write(payload, () => {
      if (this.acks.consumed(bytes)) this.send(this.acks.takeAck());
    });
  }

  private closed(code: number, reason: string): void {
    this.socket = null;
    this.dropOutbox();
    if (this.disposed) return;
    if (this.finished) return; // Exit already reported; the close (1000) is just its end.
    if (!this.opened && this.options.diagnose) {
      void this.options.diagnose().then(
        (d) => this.failed(code, d.message, d.final),
        () => this.failed(code, describeClose(code, reason), false),
      );
      return;
    }
    this.failed(code, this.lastError ?? describeClose(code, reason), !closeRetried(code));
  }

  private failed(code: number, message: string, final: boolean): void {
    if (this.disposed) return;
    if (final) {
      if (!this.lastError) this.options.sink.write(`\r\n\x1b[31m[${message}]\x1b[0m\r\n`);
      this.options.onState({ kind: 'error', message });
      return;
    }
    this.attempt += 1;
    // Say it once per outage in the terminal too, so a learner looking there is not left guessing.
    if (this.attempt === 1) {
      // An Error frame already said why (a reset lab: "reopening on the fresh one"): do not call it a lost connection.
      const what = this.lastError ? null : this.opened ? 'connection lost' : message;
      this.options.sink.write(`\r\n\x1b[33m[${what ? `${what}; ` : ''}reconnecting…]\x1b[0m\r\n`);
    }
    this.options.onState({ kind: 'reconnecting', attempt: this.attempt, reason: this.opened ? `connection lost (code ${code})` : message });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, reconnectDelay(this.attempt));
  }
}
