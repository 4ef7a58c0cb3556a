/**
 * The server's copy of a terminal's screen: a headless xterm fed with every output byte, serialized
 * on reattach so the learner sees exactly what was there. The copy is bookkeeping for a reattach, so it
 * may lag behind the pty: output is queued and parsed as CPU allows (HeadlessScreen), by default in a
 * worker thread (ScreenWorkerPool) so the gateway's event loop only moves bytes.
 */

export interface ScreenMirror {
  /** Queues output. The owner learns through its `onConsumed` listener as queued bytes are parsed or skipped. */
  write(data: Uint8Array): void;
  /** New size; `scrollback` (when given) the lines kept from now on, so the copy stays within its share. */
  resize(cols: number, rows: number, scrollback?: number): void;
  /** The screen and scrollback as escape sequences, including every write issued before the call. */
  snapshot(): Promise<string>;
  dispose(): void;
}

export interface ScreenSize {
  cols: number;
  rows: number;
  scrollback: number;
}

/** Told how many queued bytes the copy has dealt with (parsed, or skipped as scrolled out). */
export type ConsumedListener = (bytes: number) => void;

export type OpenScreen = (size: ScreenSize, onConsumed: ConsumedListener) => ScreenMirror;
