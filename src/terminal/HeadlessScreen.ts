/**
 * A screen copy (ScreenMirror) on the calling thread: a queue of output, resizes and snapshot requests
 * fed in order into a headless xterm, a slice at a time, once output settles (PARSE_DELAY_MS). When a
 * burst of plain text piles up meanwhile (a `yes`, a `cat` of a big log), the part of it that would
 * scroll out of the scrollback anyway is skipped (scrolledOutput.ts), so a flood costs a scan
 * instead of a second full parse.
 */
import xtermHeadless from '@xterm/headless';
import xtermSerialize from '@xterm/addon-serialize';
import { concatBytes } from './concatBytes.ts';
import { findScrolledOutput, type ScreenGeometry } from './scrolledOutput.ts';
import type { ConsumedListener, ScreenMirror, ScreenSize } from './ScreenMirror.ts';
import { screenCopyBytes } from './TerminalLimits.ts';

/** Largest piece handed to xterm at once, so resizes, snapshots and other screens are not kept waiting. */
const SLICE_BYTES = 64 * 1024;
/**
 * Queued output at which skipping is tried. Skipping adds no parse work (what it keeps would be parsed
 * anyway), only a scan of the queued run, so this just spaces the scans out: a copy that keeps up
 * never reaches it, and one that falls behind scans about once per this many bytes.
 */
const SKIP_TRY_BYTES = 64 * 1024;
/**
 * Output is parsed once no more has arrived for this long (or at once when a resize or snapshot waits,
 * or skipping is impossible). Parsing a burst while it is still arriving would waste the CPU that
 * skipping saves; a quiet terminal's keystrokes are simply parsed a moment later.
 */
const PARSE_DELAY_MS = 30;
/** After a skip, the next try waits for this many times the bytes the skip kept. */
const KEPT_RESCAN_FACTOR = 4;

export interface HeadlessScreenOptions {
  /** Queued output at which skipping is tried (tests use a small value). */
  skipTryBytes?: number;
}

type QueueItem =
  | { kind: 'output'; data: Uint8Array; counted: boolean }
  | { kind: 'resize'; cols: number; rows: number; scrollback: number | undefined }
  | { kind: 'snapshot'; resolve: (text: string) => void };

type Terminal = InstanceType<typeof xtermHeadless.Terminal>;

export class HeadlessScreen implements ScreenMirror {
  private readonly term: Terminal;
  private readonly serializer: InstanceType<typeof xtermSerialize.SerializeAddon>;
  private scrollback: number;
  private readonly queue: QueueItem[] = [];
  /** Output bytes queued and not yet consumed (replays of skipped output do not count). */
  private queuedBytes = 0;
  /** Queued bytes at which the next skip is tried (doubles after a try that found nothing). */
  private nextSkipTry: number;
  private readonly skipTryBytes: number;
  /** A slice is inside xterm: the parser state is known only between slices. */
  private parsing = false;
  private pumping = false;
  /** Resizes and snapshots in the queue: output before them is parsed without delay. */
  private barriers = 0;
  private lastWriteAt = 0;
  /** The last try found nothing to skip: parse what is queued now rather than wait. */
  private eager = false;
  private settleTimer: NodeJS.Timeout | null = null;
  /** Output has settled: worth one more try before parsing the rest of a burst. */
  private settledTry = false;
  private disposed = false;
  /** Bytes skipped so far, for tests. */
  skippedBytes = 0;

  constructor(
    size: ScreenSize,
    private readonly onConsumed: ConsumedListener = () => {},
    options: HeadlessScreenOptions = {},
  ) {
    this.skipTryBytes = options.skipTryBytes ?? SKIP_TRY_BYTES;
    this.nextSkipTry = this.skipTryBytes;
    this.term = new xtermHeadless.Terminal({ cols: size.cols, rows: size.rows, scrollback: size.scrollback, allowProposedApi: true });
    this.serializer = new xtermSerialize.SerializeAddon();
    this.term.loadAddon(this.serializer);
    this.scrollback = size.scrollback;
  }

  write(data: Uint8Array): void {
    if (this.disposed || data.byteLength === 0) return;
    this.queue.push({ kind: 'output', data, counted: true });
    this.queuedBytes += data.byteLength;
    this.lastWriteAt = performance.now();
    this.pump();
  }

  resize(cols: number, rows: number, scrollback?: number): void {
    if (this.disposed) return;
    this.queue.push({ kind: 'resize', cols, rows, scrollback });
    this.barriers++;
    this.pump();
  }

  snapshot(): Promise<string> {
    if (this.disposed) return Promise.resolve('');
    return new Promise((resolve) => {
      this.queue.push({ kind: 'snapshot', resolve });
      this.barriers++;
      this.pump();
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.settleTimer) clearTimeout(this.settleTimer);
    for (const item of this.queue) if (item.kind === 'snapshot') item.resolve('');
    this.queue.length = 0;
    this.term.dispose();
  }

  /** Estimated bytes the copy may hold at its size (TerminalLimits.screenCopyBytes). */
  get estimatedBytes(): number {
    return this.disposed ? 0 : screenCopyBytes(this.term.cols, this.term.rows, this.scrollback);
  }

  /** Less scrollback is applied before the screen grows and more after, so the copy never passes the larger of the two sizes' share. */
  private applyResize(cols: number, rows: number, scrollback: number | undefined): void {
    const less = scrollback !== undefined && scrollback < this.scrollback;
    if (less) this.setScrollback(scrollback);
    this.term.resize(cols, rows);
    if (scrollback !== undefined && !less) this.setScrollback(scrollback);
  }

  private setScrollback(lines: number): void {
    if (lines === this.scrollback) return;
    this.scrollback = lines;
    this.term.options.scrollback = lines;
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.parsing && !this.disposed && this.queue.length > 0) {
        const head = this.queue[0]!;
        if (head.kind === 'resize') {
          this.queue.shift();
          this.barriers--;
          this.applyResize(head.cols, head.rows, head.scrollback);
          continue;
        }
        if (head.kind === 'snapshot') {
          this.queue.shift();
          this.barriers--;
          head.resolve(this.serializer.serialize({ scrollback: this.scrollback }));
          continue;
        }
        const settledTry = this.settledTry && this.queuedBytes >= this.skipTryBytes;
        this.settledTry = false;
        if (head.counted && (this.queuedBytes >= this.nextSkipTry || settledTry)) this.trySkip();
        const first = this.queue[0] as Extract<QueueItem, { kind: 'output' }>;
        const settled = performance.now() - this.lastWriteAt >= PARSE_DELAY_MS;
        // A replay (uncounted) is parsed at once: it is small, and the next try must start after it.
        if (first.counted && !this.eager && this.barriers === 0 && !settled) {
          this.settleLater();
          break;
        }
        this.parseSlice();
      }
      if (this.queuedBytes === 0) this.eager = false;
      if (this.queuedBytes < this.skipTryBytes) this.nextSkipTry = this.skipTryBytes;
    } finally {
      this.pumping = false;
    }
  }

  private settleLater(): void {
    if (this.settleTimer) return;
    const wait = Math.max(1, this.lastWriteAt + PARSE_DELAY_MS - performance.now());
    this.settleTimer = setTimeout(() => {
      this.settleTimer = null;
      this.settledTry = true;
      this.pump();
    }, wait);
  }

  private parseSlice(): void {
    const head = this.queue[0];
    if (head?.kind !== 'output') return;
    let slice = head.data;
    if (slice.byteLength > SLICE_BYTES) {
      slice = head.data.subarray(0, SLICE_BYTES);
      head.data = head.data.subarray(SLICE_BYTES);
    } else this.queue.shift();
    const counted = head.counted ? slice.byteLength : 0;
    this.parsing = true;
    this.term.write(slice, () => {
      this.parsing = false;
      if (this.disposed) return;
      this.consumed(counted);
      this.pump();
    });
  }

  /** Replaces the scrolled-out part of the output at the head of the queue by what it leaves behind. */
  private trySkip(): void {
    // Inside a sequence, the alternate screen or a scroll region: parse on, and try again later.
    const geometry = this.skipGeometry();
    if (!geometry) {
      this.eager = true;
      this.nextSkipTry = this.queuedBytes + this.skipTryBytes;
      return;
    }
    const run: Uint8Array[] = [];
    let runBytes = 0;
    for (const item of this.queue) {
      if (item.kind !== 'output' || !item.counted) break;
      run.push(item.data);
      runBytes += item.data.byteLength;
    }
    const plan = run.length > 0 ? findScrolledOutput(run.length === 1 ? run[0]! : concatBytes(run, runBytes), geometry) : null;
    if (!plan) {
      this.eager = true;
      this.nextSkipTry = Math.max(this.queuedBytes * 2, this.queuedBytes + this.skipTryBytes);
      return;
    }
    this.eager = false;
    let left = plan.skip;
    while (left > 0) {
      const head = this.queue[0] as Extract<QueueItem, { kind: 'output' }>;
      if (head.data.byteLength <= left) {
        left -= head.data.byteLength;
        this.queue.shift();
      } else {
        head.data = head.data.subarray(left);
        left = 0;
      }
    }
    this.queue.unshift({ kind: 'output', data: plan.replay, counted: false });
    this.skippedBytes += plan.skip;
    this.consumed(plan.skip);
    // What was kept is scanned again next time: wait for several times as much new output (long
    // lines keep more bytes than short ones for the same rows + scrollback).
    const kept = runBytes - plan.skip;
    this.nextSkipTry = this.queuedBytes + Math.max(this.skipTryBytes, KEPT_RESCAN_FACTOR * kept);
  }

  private consumed(bytes: number): void {
    if (bytes === 0) return;
    this.queuedBytes -= bytes;
    this.onConsumed(bytes);
  }

  /**
   * The screen's geometry when skipping is safe here, else null: the parser must be between sequences
   * (not inside an escape sequence or a UTF-8 character), with the normal buffer and a full-screen
   * scroll region. These are xterm internals (pinned version); if their shape changes, skipping stops
   * and everything is parsed, which is slower but still exact.
   */
  private skipGeometry(): ScreenGeometry | null {
    const core = (this.term as unknown as { _core?: XtermCore })._core;
    const parser = core?._inputHandler?._parser;
    const decoder = core?._inputHandler?._utf8Decoder;
    const buffer = core?.buffer;
    if (typeof parser?.currentState !== 'number' || !decoder?.interim || typeof buffer?.scrollTop !== 'number') return null;
    const rows = this.term.rows;
    const atRest = parser.currentState === PARSER_GROUND && decoder.interim[0] === 0;
    const plainBuffer = this.term.buffer.active.type === 'normal' && buffer.scrollTop === 0 && buffer.scrollBottom === rows - 1;
    if (!atRest || !plainBuffer) return null;
    return { cols: this.term.cols, rows, scrollback: this.scrollback, wraparound: this.term.modes.wraparoundMode };
  }
}

/** xterm's EscapeSequenceParser state between sequences. */
const PARSER_GROUND = 0;

interface XtermCore {
  _inputHandler?: { _parser?: { currentState?: number }; _utf8Decoder?: { interim?: Uint8Array } };
  buffer?: { scrollTop?: number; scrollBottom?: number };
}
