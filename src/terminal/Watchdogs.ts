/**
 * The limits that end a terminal, or drop its client, for doing nothing useful: the ack stall, the
 * input stall, the idle limit and the maximum lifetime (TerminalLimits says why each is what it is).
 * Two disposable timers drive them: a tick every WATCHDOG_TICK_MS looks at the first three, a timeout
 * fires the last. The session reports what happens (input, acks, output waiting for acks) and acts on
 * the verdicts.
 */
import type { TerminalErrorCode } from '../protocol/errors.ts';
import { DisposableStore, disposableInterval, disposableTimeout, type Disposable } from './lifecycle.ts';
import type { TerminalLimits } from './TerminalLimits.ts';

/** How often the watchdogs (ack stall, input stall, idle) look; a fraction of their limits is enough. */
export const WATCHDOG_TICK_MS = 1_000;

export interface WatchdogHooks {
  /** A client is attached (the ack stall concerns only it). */
  attached(): boolean;
  /** Input bytes queued for the pty and not yet written. */
  queuedInput(): number;
  /** Input bytes the pty has taken so far (monotonic): a program reading makes it grow. */
  acceptedInput(): number;
  /** Drop the client; the terminal lives on for a reattach. `args` fill the code's message (errors.ts). */
  dropClient(code: TerminalErrorCode, ...args: string[]): void;
  /** End the terminal. */
  end(code: TerminalErrorCode, ...args: string[]): void;
}

type Limits = Pick<TerminalLimits, 'idleMs' | 'maxLifetimeMs' | 'ackStallMs' | 'inputStallMs'>;

export class Watchdogs implements Disposable {
  /** Last input from the learner; the idle limit counts from here. */
  private lastInput: number;
  /** When output began to wait for acks (0: it does not). */
  private ackPausedSince = 0;
  private lastAckAt = 0;
  /** Since when queued input has waited with no progress, how much there was then, and what the pty had taken. */
  private inputQueuedSince = 0;
  private inputQueuedLevel = 0;
  private inputAccepted = 0;
  private readonly store = new DisposableStore();

  constructor(
    private readonly limits: Limits,
    private readonly hooks: WatchdogHooks,
    private readonly now: () => number = Date.now,
  ) {
    this.lastInput = now();
    this.store.add(disposableInterval(WATCHDOG_TICK_MS, () => this.check()));
    this.store.add(disposableTimeout(limits.maxLifetimeMs, () => hooks.end('PB_LIMIT', 'The terminal reached its maximum lifetime')));
  }

  input(): void {
    this.lastInput = this.now();
  }

  acked(): void {
    this.lastAckAt = this.now();
  }

  /** Whether output now waits for the client's acks (a new client starts with false). */
  ackPaused(paused: boolean): void {
    if (!paused) this.ackPausedSince = 0;
    else if (this.ackPausedSince === 0) this.ackPausedSince = this.now();
  }

  /** One look at the three ticking limits (the tick calls it; tests may too). */
  check(): void {
    const now = this.now();
    const limits = this.limits;
    // A client that keeps the pty paused without acking is broken or hostile: drop it; the terminal
    // lives on for a reattach, which starts the count from zero.
    if (this.hooks.attached() && this.ackPausedSince > 0 && now - Math.max(this.ackPausedSince, this.lastAckAt) > limits.ackStallMs) {
      this.hooks.dropClient('PB_ACK_STALL', String(limits.ackStallMs));
    }
    // Input node-pty cannot write because the child stopped reading: node-pty retries on every event
    // loop turn (a CPU spin). If it makes no progress for inputStallMs, end the terminal. Progress is
    // bytes the pty took, not a shrinking queue: a program reading a long paste keeps its queue full.
    const queued = this.hooks.queuedInput();
    const accepted = this.hooks.acceptedInput();
    const progressed = accepted !== this.inputAccepted;
    this.inputAccepted = accepted;
    if (queued === 0) {
      this.inputQueuedSince = 0;
    } else if (this.inputQueuedSince === 0 || queued < this.inputQueuedLevel || progressed) {
      this.inputQueuedSince = now;
      this.inputQueuedLevel = queued;
    } else if (now - this.inputQueuedSince > limits.inputStallMs) {
      this.hooks.end('PB_INPUT_STALLED');
      return;
    }
    if (now - this.lastInput > limits.idleMs) {
      this.hooks.end('PB_LIMIT', 'The terminal was idle too long');
    }
  }

  dispose(): void {
    // Timers only: released at once, nothing to wait for.
    void this.store.dispose();
  }
}
