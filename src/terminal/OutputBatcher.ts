/**
 * Gathers a terminal's output for its client into Output frames. The pty hands over at most 4 KiB per
 * read, and a frame per read costs the gateway a socket write and the browser a message and a parse call
 * each; a keystroke's echo, on the other hand, must not wait.
 */
import { ServerMessage, encodeFrameFromChunks } from '../protocol/terminal.ts';
import { TimerSlot, type Disposable } from './lifecycle.ts';

/**
 * A frame is sent as soon as it holds this much (so it is at most this plus one read): well under the
 * client's ACK/LOW windows' granularity and ws's defaults.
 */
export const OUTPUT_BATCH_MAX_BYTES = 64 * 1024;
/**
 * Output after a quiet spell (a keystroke's echo, a prompt) is sent at the next event-loop turn. Output
 * that follows a frame sent less than STREAMING_GAP_MS ago is a stream: it waits up to STREAM_BATCH_MS
 * to share a frame.
 */
export const STREAMING_GAP_MS = 2;
export const STREAM_BATCH_MS = 4;

export class OutputBatcher implements Disposable {
  private chunks: Uint8Array[] = [];
  private bytes = 0;
  private lastFlushAt = 0;
  private readonly timer = new TimerSlot();
  private disposed = false;

  /**
   * @param send gets each encoded Output frame.
   * @param now a monotonic clock in ms (tests pass their own).
   */
  constructor(
    private readonly send: (frame: Uint8Array) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Output bytes gathered and not yet sent. */
  get pending(): number {
    return this.bytes;
  }

  push(data: Uint8Array): void {
    if (this.disposed) return;
    this.chunks.push(data);
    this.bytes += data.byteLength;
    if (this.bytes >= OUTPUT_BATCH_MAX_BYTES) this.flush();
    else if (!this.timer.isSet) {
      if (this.now() - this.lastFlushAt > STREAMING_GAP_MS) this.timer.soon(() => this.flush());
      else this.timer.after(STREAM_BATCH_MS, () => this.flush());
    }
  }

  /** Sends what is gathered now (before an Exit frame, or when a frame is full). */
  flush(): void {
    this.timer.cancel();
    if (this.chunks.length === 0) return;
    const frame = encodeFrameFromChunks(ServerMessage.Output, this.chunks, this.bytes);
    this.chunks = [];
    this.bytes = 0;
    this.lastFlushAt = this.now();
    this.send(frame);
  }

  /** Forgets what is gathered: its client is gone. */
  drop(): void {
    this.timer.cancel();
    this.chunks = [];
    this.bytes = 0;
  }

  dispose(): void {
    this.disposed = true;
    this.timer.dispose();
    this.drop();
  }
}
