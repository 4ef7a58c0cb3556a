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
 * whole screen (HeadlessScreen checks).
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

/** Cut candidates are at least this many advances apart: the cut keeps at most this many lines more than needed. */
const CANDIDATE_STEP = 8;

const ESC = 0x1b;
const CR = 0x0d;
const LF = 0x0a;
const TAB = 0x09;

/** Length of the SGR or EL sequence at `i`; 0 if there is none (or the data ends inside it). */
function zeroWidthSequence(data: Uint8Array, i: number): number {
  if (data[i + 1] !== 0x5b /* [ */) return 0;
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
  if (j >= data.length) return 0;
  const final = data[j];
  if (final === 0x6d /* m */ || (final === 0x4b /* K */ && digitsOnly)) return j + 1 - i;
  return 0;
}

/** An SGR that resets every attribute: `ESC [ m` or `ESC [ 0 m`. */
function isFullReset(data: Uint8Array, start: number, length: number): boolean {
  return length === 3 || (length === 4 && data[start + 2] === 0x30);
}

/** The SGRs since the last full reset, as [start, length] pairs into the data; append-only. */
interface SgrList {
  parts: number[];
  bytes: number;
}

/**
 * The plan for `data` queued at a screen whose parser is in its ground state; null: parse it all.
 * One pass over the run. Cut candidates (an LF in column 0 after at least `rows` advances) wait in a
 * FIFO until `rows + scrollback` more advances have followed; the last one to leave it is the cut.
 */
export function findScrolledOutput(data: Uint8Array, geometry: ScreenGeometry): SkipPlan | null {
  const { rows, cols, scrollback, wraparound } = geometry;
  const keep = rows + scrollback;
  // At most `keep` candidates can be waiting: each has its own LF, and each LF is an advance.
  const capacity = keep + 2;
  const waitingAt = new Float64Array(capacity);
  const waitingAdvances = new Float64Array(capacity);
  const waitingSgrs: (SgrList | null)[] = new Array(capacity).fill(null);
  const waitingSgrCount = new Uint32Array(capacity);
  let head = 0;
  let size = 0;
  let cut = -1;
  let cutSgrs: SgrList | null = null;
  let cutSgrCount = 0;

  let sgrs: SgrList = { parts: [], bytes: 0 };
  let advances = 0;
  // Column 0 is unknown at the start: the first line can never be a cut.
  let atColumnZero = false;
  let width = 0;
  let measurable = true;
  let i = 0;
  const end = data.length;
  let lastCandidate = -Infinity;
  scan: while (i < end) {
    let b = data[i]!;
    if (b >= 0x20 && b < 0x7f) {
      // The hot loop: a stretch of printable ASCII.
      const from = i;
      do b = data[++i]!;
      while (i < end && b >= 0x20 && b < 0x7f);
      width += i - from;
      atColumnZero = false;
      if (i >= end) break;
    }
    switch (b) {
      case CR:
        atColumnZero = true;
        i++;
        if (data[i] !== LF) {
          // A CR inside a line (progress bars) makes its width unknowable here; one before the LF does not.
          if (width > 0) measurable = false;
          continue;
        }
      // falls through: the LF of a CRLF, handled in the same turn (the common line end)
      case LF: {
        advances += wraparound && measurable && width > cols ? Math.ceil(width / cols) : 1;
        width = 0;
        measurable = true;
        // Candidates with `keep` advances after them can be cut; the latest such wins.
        while (size > 0 && advances - waitingAdvances[head]! >= keep) {
          cut = waitingAt[head]!;
          cutSgrs = waitingSgrs[head]!;
          cutSgrCount = waitingSgrCount[head]!;
          waitingSgrs[head] = null;
          head = (head + 1) % capacity;
          size--;
        }
        // Every CANDIDATE_STEP advances is close enough to the best cut, and spares a FIFO entry per line.
        if (atColumnZero && advances >= rows && advances - lastCandidate >= CANDIDATE_STEP) {
          lastCandidate = advances;
          const slot = (head + size) % capacity;
          waitingAt[slot] = i + 1;
          waitingAdvances[slot] = advances;
          waitingSgrs[slot] = sgrs;
          waitingSgrCount[slot] = sgrs.parts.length;
          size++;
        }
        i++;
        continue;
      }
      case TAB:
        measurable = false;
        atColumnZero = false;
        i++;
        continue;
      case ESC: {
        const length = zeroWidthSequence(data, i);
        if (length === 0) break scan;
        if (data[i + length - 1] === 0x6d /* m */) {
          if (isFullReset(data, i, length)) sgrs = { parts: [], bytes: 0 };
          sgrs.parts.push(i, length);
          sgrs.bytes += length;
        }
        i += length;
        continue;
      }
      default:
        if (b < 0x80) break scan;
        // UTF-8 text, but never an encoded C1 control (U+0080–U+009F is C2 80–C2 9F), which xterm acts on.
        if (b === 0xc2 && (i + 1 >= end || data[i + 1]! < 0xa0)) break scan;
        measurable = false;
        atColumnZero = false;
        i++;
    }
  }
  if (cut < 0 || !cutSgrs) return null;
  const parts = cutSgrs.parts.slice(0, cutSgrCount);
  let sgrBytes = 0;
  for (let p = 1; p < parts.length; p += 2) sgrBytes += parts[p]!;
  if (sgrBytes > MAX_REPLAY_SGR_BYTES) return null;
  const replay = new Uint8Array(sgrBytes + 2 * rows);
  let at = 0;
  for (let p = 0; p < parts.length; p += 2) {
    replay.set(data.subarray(parts[p]!, parts[p]! + parts[p + 1]!), at);
    at += parts[p + 1]!;
  }
  for (let r = 0; r < rows; r++) {
    replay[at++] = CR;
    replay[at++] = LF;
  }
  return { skip: cut, replay };
}
