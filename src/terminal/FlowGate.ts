/**
 * Byte-counted flow control for one terminal, as pure state: the session and its AttachedClient feed
 * it what was sent, what the socket still buffers, what was acknowledged and what the server's screen
 * copy still holds, and the session asks whether the pty should be paused. Each guard has hysteresis
 * (pause above HIGH, resume below LOW) so the pty does not flap.
 */
import { FlowControl } from '../protocol/terminal.ts';

export type PauseReason = 'ack' | 'socket' | 'parser';

/**
 * How far the server's screen copy may lag behind the pty. The copy is bookkeeping for a reattach and
 * runs at a lower CPU priority (screenWorker.ts), so a burst (a `cat` of a few MB) reaches the learner
 * first and the copy catches up in idle time; past HIGH the pty waits for it, which bounds the memory a
 * flooding terminal holds to about HIGH. A snapshot always waits for the copy to catch up.
 */
export const ScreenBacklog = {
  HIGH: 4_000_000,
  LOW: 1_000_000,
} as const;

export class FlowGate {
  /** Output bytes sent to the attached client and not yet acknowledged. */
  unacked = 0;
  /** Output bytes written into the server's headless xterm and not yet parsed by it. */
  parserPending = 0;
  private readonly reasons = new Set<PauseReason>();

  constructor(
    private readonly high: number = FlowControl.HIGH_WATERMARK,
    private readonly low: number = FlowControl.LOW_WATERMARK,
    private readonly socketLimit: number = FlowControl.SOCKET_BUFFER_LIMIT,
    private readonly parserHigh: number = ScreenBacklog.HIGH,
    private readonly parserLow: number = ScreenBacklog.LOW,
  ) {}

  get paused(): boolean {
    return this.reasons.size > 0;
  }

  has(reason: PauseReason): boolean {
    return this.reasons.has(reason);
  }

  sent(bytes: number): void {
    this.unacked += bytes;
    if (this.unacked > this.high) this.reasons.add('ack');
  }

  /** Applies an ack, clamped to what is outstanding (a lying or buggy client cannot go negative). */
  acked(bytes: number): void {
    this.unacked -= Math.min(Math.max(0, bytes), this.unacked);
    if (this.unacked < this.low) this.reasons.delete('ack');
  }

  /** A new client attached, or the client went away: nothing is outstanding any more. */
  resetClient(): void {
    this.unacked = 0;
    this.reasons.delete('ack');
    this.reasons.delete('socket');
  }

  /** The socket's buffered amount, checked on every send and every send completion. */
  socketBuffered(bytes: number): void {
    if (bytes > this.socketLimit) this.reasons.add('socket');
    else if (bytes <= this.socketLimit / 2) this.reasons.delete('socket');
  }

  parserQueued(bytes: number): void {
    this.parserPending += bytes;
    if (this.parserPending > this.parserHigh) this.reasons.add('parser');
  }

  parserDone(bytes: number): void {
    this.parserPending = Math.max(0, this.parserPending - bytes);
    if (this.parserPending < this.parserLow) this.reasons.delete('parser');
  }
}
