/**
 * Output that a screen copy does not need to parse: the leading part of a queued burst of plain text
 * whose lines are certain to scroll out of the scrollback before the burst ends.
 *
 * Why this is exact. Inside a run of printable text, CR, LF, TAB, SGR (`ESC [ … m`) and EL
 * (`ESC [ … K`), only cell contents, the cursor and the current attributes change (no mode, no scroll
 * region, no buffer switch), and the cursor never moves up (BS is left out: with reverse wraparound it
 * can). Cut the run right after a line feed that leaves the cursor in column 0, where the text before
 * the cut advanced at least `rows` lines: the cursor is then on a fresh blank line at the bottom. If
 * the text after the cut advances at least `rows + scrollback` lines more, every line that existed at
 * the cut has left the buffer by the end. So the bytes before the cut can be replaced by what they
 * leave behind: their attribute changes (the SGRs after the last full reset) and `rows` CRLFs, which
 * from any cursor position also end on a fresh blank bottom line. The caller must apply the plan only
 * where the parser is in its ground state, the normal buffer is active and the scroll region is the
 * whole screen (ScreenCopy checks).
 *
 * Line advances are counted as a lower bound: one per LF, plus the wraps of a line made only of
 * printable ASCII (and SGR/EL) when auto-wrap is on. Anything else ends the run.
 */

export interface ScreenGeometry {
  cols: number;
  rows: number;
  scrollback: number;
  /** DECAWM: long lines wrap onto the next row (counted as advances) instead of overwriting the last column. */
  wraparound: boolean;
}

export interface SkipPlan {
  /** Bytes to drop from the start of the data. */
  skip: number;
  /** Bytes to parse in their place. */
  replay: Uint8Array;
}

/**
 * SGR bytes a replay may carry. Output that sets colours without ever resetting them would otherwise
 * make the replay as long as what it replaces; such output is parsed in full instead.
 */
const MAX_REPLAY_SGR_BYTES = 16 * 1024;

const ESC = 0x1b;
const CR = 0x0d;
const LF = 0x0a;
const TAB = 0x09;

/** Length of the SGR or EL sequence at `i`, 0 if there is none (or it is cut off by the end of data). */
function zeroWidthSequence(data: Uint8Array, i: number): { length: number; sgr: boolean } | null {
  if (data[i + 1] !== 0x5b /* [ */) return null;
  let j = i + 2;
  let digitsOnly = true;
  while (j < data.length) {
    const b = data[j]!;
    if (b >= 0x30 && b <= 0x39) j++;
    else if (b === 0x3b || b === 0x3a) {
      digitsOnly = false;
      j++;
    } else break;
  }
  if (j >= data.length) return null;
  const final = data[j];
  if (final === 0x6d /* m */) return { length: j + 1 - i, sgr: true };
  if (final === 0x4b /* K */ && digitsOnly) return { length: j + 1 - i, sgr: false };
  return null;
}

/** An SGR that resets every attribute: `ESC [ m` or `ESC [ 0 m`. */
function isFullReset(data: Uint8Array, start: number, length: number): boolean {
  return length === 3 || (length === 4 && data[start + 2] === 0x30);
}

/**
 * Walks the run of skippable text at the start of `data`, calling `onLineEnd(lfIndex, advances,
 * atColumnZero)` after each LF with the advances counted so far. Returns where the run ends.
 * `onSgr(start, length)` sees every SGR. The walk stops early when a callback returns false.
 */
function walkRun(
  data: Uint8Array,
  geometry: ScreenGeometry,
  onLineEnd: (lfIndex: number, advances: number, atColumnZero: boolean) => boolean,
  onSgr?: (start: number, length: number) => void,
): void {
  let advances = 0;
  // Column 0 is unknown at the start: the first line can never be a cut.
  let atColumnZero = false;
  let width = 0;
  let measurable = true;
  let i = 0;
  const end = data.length;
  while (i < end) {
    const b = data[i]!;
    if (b >= 0x20 && b < 0x7f) {
      width++;
      atColumnZero = false;
      i++;
    } else if (b === LF) {
      const wraps = geometry.wraparound && measurable && width > geometry.cols ? Math.ceil(width / geometry.cols) - 1 : 0;
      advances += wraps + 1;
      if (!onLineEnd(i, advances, atColumnZero)) return;
      width = 0;
      measurable = true;
      i++;
    } else if (b === CR) {
      // A CR inside a line (progress bars) makes its width unknowable here; one before the LF does not.
      if (data[i + 1] !== LF && width > 0) measurable = false;
      atColumnZero = true;
      i++;
    } else if (b === ESC) {
      const sequence = zeroWidthSequence(data, i);
      if (!sequence) return;
      if (sequence.sgr) onSgr?.(i, sequence.length);
      i += sequence.length;
    } else if (b === TAB) {
      measurable = false;
      atColumnZero = false;
      i++;
    } else if (b >= 0x80) {
      // UTF-8 text, but never an encoded C1 control (U+0080–U+009F is C2 80–C2 9F), which xterm acts on.
      if (b === 0xc2 && i + 1 < end && data[i + 1]! < 0xa0) return;
      if (b === 0xc2 && i + 1 >= end) return;
      measurable = false;
      atColumnZero = false;
      i++;
    } else {
      return;
    }
  }
}

/** The plan for `data` queued at a screen whose parser is in its ground state; null: parse it all. */
export function findScrolledOutput(data: Uint8Array, geometry: ScreenGeometry): SkipPlan | null {
  const { rows, scrollback } = geometry;
  let total = 0;
  walkRun(data, geometry, (_lf, advances) => {
    total = advances;
    return true;
  });
  const cutBefore = total - (rows + scrollback);
  if (cutBefore < rows) return null;
  let cut = -1;
  walkRun(data, geometry, (lf, advances, atColumnZero) => {
    if (advances > cutBefore) return false;
    if (advances >= rows && atColumnZero) cut = lf + 1;
    return true;
  });
  if (cut < 0) return null;
  // The attributes in force at the cut: every SGR after the last full reset, in order.
  let sgrs: [number, number][] = [];
  let sgrBytes = 0;
  walkRun(
    data,
    geometry,
    (lf) => lf + 1 < cut,
    (start, length) => {
      if (start >= cut) return;
      if (isFullReset(data, start, length)) {
        sgrs = [];
        sgrBytes = 0;
      }
      sgrs.push([start, length]);
      sgrBytes += length;
    },
  );
  if (sgrBytes > MAX_REPLAY_SGR_BYTES) return null;
  const replay = new Uint8Array(sgrBytes + 2 * rows);
  let at = 0;
  for (const [start, length] of sgrs) {
    replay.set(data.subarray(start, start + length), at);
    at += length;
  }
  for (let r = 0; r < rows; r++) {
    replay[at++] = CR;
    replay[at++] = LF;
  }
  return { skip: cut, replay };
}
