/**
 * Where a shell that marks its prompts (./promptMarks.ts) stands, as the gateway sees its bytes: its
 * last D mark, and whether it is at a prompt (an A mark, and no Enter typed since). The screen copy
 * replayed on reattach keeps what the screen shows but not the marks, so a page that attaches to a
 * running shell gets them from here after the replay: its run buttons then know how the last command
 * ended and whether the shell reads a command line, without waiting for a prompt that already came.
 */
import { PROMPT_MARK_OSC, formatPromptMark, parsePromptMark, type PromptMark } from '../protocol/promptMarks.ts';

const ESC = 0x1b;
const BEL = 0x07;
const LF = 0x0a;
const CR = 0x0d;
/** `ESC ] 133 ;`, what every mark starts with. */
const PREFIX = Uint8Array.from(`\x1b]${PROMPT_MARK_OSC};`, (c) => c.charCodeAt(0));
/**
 * Longest mark data looked for (a D mark with 256 stage statuses is about 1 KB); past it an OSC 133
 * without its BEL is not one of ours, and no more of it is kept between chunks.
 */
const MAX_MARK_BYTES = 1_200;

export class PromptTracker {
  private lastEnd: Extract<PromptMark, { kind: 'command-end' }> | null = null;
  private atPrompt = false;
  /** A mark cut off at the end of the last chunk of output, completed by the next. */
  private partial: Uint8Array | null = null;

  /** Output from the shell. */
  output(chunk: Uint8Array): void {
    let bytes = chunk;
    if (this.partial) {
      bytes = new Uint8Array(this.partial.length + chunk.length);
      bytes.set(this.partial);
      bytes.set(chunk, this.partial.length);
      this.partial = null;
    }
    let from = 0;
    for (;;) {
      const start = bytes.indexOf(ESC, from);
      if (start < 0) return;
      const dataStart = start + PREFIX.length;
      if (!startsWithPrefix(bytes, start)) {
        // Only the start of a prefix, cut off by the chunk's end: look again with the next chunk.
        if (dataStart > bytes.length && isPrefixStart(bytes, start)) this.partial = bytes.slice(start);
        from = start + 1;
        continue;
      }
      const end = bytes.subarray(dataStart, dataStart + MAX_MARK_BYTES).indexOf(BEL);
      if (end < 0) {
        if (bytes.length - dataStart < MAX_MARK_BYTES) this.partial = bytes.slice(start);
        return;
      }
      this.mark(String.fromCharCode(...bytes.subarray(dataStart, dataStart + end)));
      from = dataStart + end + 1;
    }
  }

  /** Input to the shell: Enter (CR, or Ctrl-J) hands readline its line, so the shell leaves its prompt. */
  input(data: Uint8Array): void {
    if (data.includes(CR) || data.includes(LF)) this.atPrompt = false;
  }

  /**
   * The marks that say where the shell stands, for the end of a replay: its last D mark (so a page
   * knows it marks prompts), then A when it is at a prompt; empty for a shell never seen to mark one.
   */
  replayMarks(): string {
    if (!this.lastEnd) return this.atPrompt ? formatPromptMark({ kind: 'prompt-start' }) : '';
    return formatPromptMark(this.lastEnd) + (this.atPrompt ? formatPromptMark({ kind: 'prompt-start' }) : '');
  }

  private mark(data: string): void {
    const mark = parsePromptMark(data);
    if (mark?.kind === 'prompt-start') this.atPrompt = true;
    else if (mark?.kind === 'command-end') {
      // D starts a new round before the prompt (job notices, readline's set-up); A ends it.
      this.lastEnd = mark;
      this.atPrompt = false;
    }
  }
}

function startsWithPrefix(bytes: Uint8Array, at: number): boolean {
  if (at + PREFIX.length > bytes.length) return false;
  for (let i = 0; i < PREFIX.length; i++) if (bytes[at + i] !== PREFIX[i]) return false;
  return true;
}

/** The bytes from `at` to the end are the first bytes of a prefix. */
function isPrefixStart(bytes: Uint8Array, at: number): boolean {
  for (let i = at; i < bytes.length; i++) if (bytes[i] !== PREFIX[i - at]) return false;
  return true;
}
