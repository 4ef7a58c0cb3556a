/**
 * Backpressure on a terminal's input. node-pty queues what the pty does not take at once, and more
 * than InputLimits.MAX_QUEUED_INPUT_BYTES queued ends the terminal; a socket delivers a paste far
 * faster than a program reads it. So while the program is reading (the pty took bytes within
 * READING_WINDOW_MS), the client's socket is read no further once PAUSE_BYTES are queued, and is read
 * again below RESUME_BYTES: TCP and the client hold the rest, and a paste of any size goes through.
 * A program that has stopped reading gets no backpressure, so the caps treat it as before (overflow
 * past the cap, the input-stall watchdog), and its socket's acks and pongs are never held up for long.
 */
import { InputLimits } from '../protocol/terminal.ts';
import { disposableInterval, type Disposable, type Timer } from './lifecycle.ts';

/** Queued input at which a reading program's socket is paused: a few chunks, a quarter of the cap. */
export const INPUT_PAUSE_BYTES = 8 * InputLimits.INPUT_CHUNK_BYTES;
/** Queued input below which it is read again: two chunks, so the pty never runs dry while TCP refills. */
export const INPUT_RESUME_BYTES = 2 * InputLimits.INPUT_CHUNK_BYTES;
/** node-pty has no drain event: while paused, look this often (a pty takes ~4 KiB a read; ms matter little). */
export const INPUT_POLL_MS = 5;
/**
 * A program that took no input for this long has stopped reading: stop pacing its socket. Far above
 * any gap of a program reading a paste, far below the input-stall limit that ends it.
 */
export const READING_WINDOW_MS = 1_000;

export interface InputPacerHooks {
  /** Input bytes queued for the pty and not yet written. */
  queued(): number;
  /** Input bytes the pty has taken so far (monotonic). */
  accepted(): number;
  /** Stop (true) or resume (false) reading the client's socket. */
  pauseSocket(paused: boolean): void;
}

export class InputPacer implements Disposable {
  private paused = false;
  private lastAccepted = 0;
  private lastProgressAt = 0;
  private poll: Timer | null = null;

  constructor(
    private readonly hooks: InputPacerHooks,
    private readonly now: () => number = Date.now,
  ) {}

  get isPaused(): boolean {
    return this.paused;
  }

  /** Call before writing input: a burst into an empty queue gives the program a fresh window to read it. */
  beforeWrite(): void {
    if (this.hooks.queued() === 0) this.lastProgressAt = this.now();
    this.observe();
  }

  /** Call after writing input. */
  afterWrite(): void {
    if (!this.paused && this.hooks.queued() >= INPUT_PAUSE_BYTES && this.reading()) this.setPaused(true);
  }

  /** A new client (or none): its socket starts unpaused. */
  reset(): void {
    this.stopPolling();
    this.paused = false;
  }

  dispose(): void {
    this.stopPolling();
  }

  private observe(): void {
    const accepted = this.hooks.accepted();
    if (accepted !== this.lastAccepted) {
      this.lastAccepted = accepted;
      this.lastProgressAt = this.now();
    }
  }

  private reading(): boolean {
    return this.now() - this.lastProgressAt <= READING_WINDOW_MS;
  }

  private check(): void {
    this.observe();
    if (this.hooks.queued() <= INPUT_RESUME_BYTES || !this.reading()) this.setPaused(false);
  }

  private setPaused(paused: boolean): void {
    this.paused = paused;
    if (paused) this.poll ??= disposableInterval(INPUT_POLL_MS, () => this.check());
    else this.stopPolling();
    this.hooks.pauseSocket(paused);
  }

  private stopPolling(): void {
    this.poll?.dispose();
    this.poll = null;
  }
}
