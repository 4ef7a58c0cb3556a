/**
 * The server's copy of a terminal's screen: a headless xterm fed with every output byte, serialized
 * on reattach so the learner sees exactly what was there. Parsing costs about as much CPU as the
 * browser's own parse, so by default it runs in a worker thread (`ScreenWorkerPool`): the gateway's
 * event loop then only moves bytes, and one learner's flood does not delay everyone's keystrokes.
 */
import xtermHeadless from '@xterm/headless';
import xtermSerialize from '@xterm/addon-serialize';

export interface ScreenMirror {
  /** Queues output for parsing; `onParsed` runs once it has been parsed (the parser flow guard). */
  write(data: Uint8Array, onParsed: () => void): void;
  resize(cols: number, rows: number): void;
  /** The screen and scrollback as escape sequences, including every write issued before the call. */
  snapshot(): Promise<string>;
  dispose(): void;
}

export interface ScreenSize {
  cols: number;
  rows: number;
  scrollback: number;
}

/** A mirror parsed on the calling thread (tests, or where worker threads are unwanted). */
export class InlineScreenMirror implements ScreenMirror {
  private readonly term;
  private readonly serializer;
  private readonly scrollback: number;

  constructor(size: ScreenSize) {
    this.term = new xtermHeadless.Terminal({ cols: size.cols, rows: size.rows, scrollback: size.scrollback, allowProposedApi: true });
    this.serializer = new xtermSerialize.SerializeAddon();
    this.term.loadAddon(this.serializer);
    this.scrollback = size.scrollback;
  }

  write(data: Uint8Array, onParsed: () => void): void {
    this.term.write(data, onParsed);
  }

  resize(cols: number, rows: number): void {
    this.term.resize(cols, rows);
  }

  snapshot(): Promise<string> {
    return new Promise((resolve) => this.term.write('', () => resolve(this.serializer.serialize({ scrollback: this.scrollback }))));
  }

  dispose(): void {
    this.term.dispose();
  }
}
