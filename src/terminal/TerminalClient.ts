/**
 * What a terminal needs of the socket that owns it. The terminal layer knows nothing of HTTP or `ws`;
 * the server adapts a WebSocket to this.
 */
import type { CloseCodeValue } from '../protocol/errors.ts';

export interface TerminalClient {
  /** Sends one binary frame; `onSent` runs once the frame has left the process's send buffer. */
  send(frame: Uint8Array, onSent?: () => void): void;
  /** Closes the socket with a close code of the registry (`CloseCode`) and a short reason (≤ 123 bytes). */
  close(code: CloseCodeValue, reason: string): void;
  /** Bytes queued in the socket, not yet handed to the kernel (the second flow-control guard). */
  readonly bufferedAmount: number;
  /** Stops (true) or resumes (false) reading the client's frames: backpressure on input (InputPacer). */
  pauseInput?(paused: boolean): void;
}
