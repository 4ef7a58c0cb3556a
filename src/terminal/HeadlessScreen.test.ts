import { describe, expect, it } from 'vitest';
import xtermHeadless from '@xterm/headless';
import xtermSerialize from '@xterm/addon-serialize';
import { HeadlessScreen } from './HeadlessScreen.ts';
import type { ScreenSize } from './ScreenMirror.ts';

/** What a copy that parses every byte serializes: the reference a skipping copy must match exactly. */
async function fullParse(size: ScreenSize, chunks: Uint8Array[]): Promise<string> {
  const term = new xtermHeadless.Terminal({ cols: size.cols, rows: size.rows, scrollback: size.scrollback, allowProposedApi: true });
  const serializer = new xtermSerialize.SerializeAddon();
  term.loadAddon(serializer);
  for (const chunk of chunks) term.write(chunk);
  await new Promise<void>((resolve) => term.write('', resolve));
  const text = serializer.serialize({ scrollback: size.scrollback });
  term.dispose();
  return text;
}

async function viaScreen(size: ScreenSize, chunks: Uint8Array[], skipTryBytes: number) {
  let consumed = 0;
  const screen = new HeadlessScreen(size, (bytes) => (consumed += bytes), { skipTryBytes });
  for (const chunk of chunks) screen.write(chunk);
  const text = await screen.snapshot();
  const skipped = screen.skippedBytes;
  screen.dispose();
  return { text, skipped, consumed };
}

/** Splits text into chunks of a fixed size (so sequences and characters straddle chunk borders). */
function chunked(bytes: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return chunks;
}

/** A deterministic sequence (a linear congruential generator), so a failing case replays from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const SIZE = { cols: 40, rows: 8, scrollback: 50 };
/** Few lines to push out, so short runs of plain text between control sequences can be skipped. */
const SMALL = { cols: 30, rows: 5, scrollback: 10 };
const enc = (s: string) => Buffer.from(s);

function colouredLog(lines: number): string {
  let out = '';
  for (let i = 0; i < lines; i++) {
    const level = i % 3 === 0 ? '\x1b[31mERROR\x1b[0m' : i % 3 === 1 ? '\x1b[1;33mWARN' : '\x1b[32mINFO\x1b[m';
    out += `${level} line ${i}\tvalue=${'x'.repeat(i % 90)} é 中\x1b[K\r\n`;
  }
  return out;
}

describe('HeadlessScreen', () => {
  it('skips most of a plain-text flood and still serializes exactly what a full parse does', async () => {
    const chunks = chunked(enc(`\x1b[44mprompt$ \x1b[0myes\r\n${'y\r\n'.repeat(20_000)}PROMPT$ `), 4096);
    const [reference, copy] = await Promise.all([fullParse(SIZE, chunks), viaScreen(SIZE, chunks, 4096)]);
    expect(copy.text).toBe(reference);
    expect(copy.skipped).toBeGreaterThan(30_000);
    expect(copy.consumed).toBe(chunks.reduce((n, c) => n + c.byteLength, 0));
  });

  it('keeps colours, wrapped long lines, tabs and wide characters exact across a skip', async () => {
    const chunks = chunked(enc(colouredLog(2_000)), 3000);
    const [reference, copy] = await Promise.all([fullParse(SIZE, chunks), viaScreen(SIZE, chunks, 4096)]);
    expect(copy.skipped).toBeGreaterThan(0);
    expect(copy.text).toBe(reference);
  });

  it('parses everything in the alternate screen, inside a scroll region and inside an unfinished sequence', async () => {
    for (const prelude of ['\x1b[?1049h', '\x1b[2;6r', '\x1b]0;a title that goes on ']) {
      const chunks = chunked(enc(`${prelude}${'plain line\r\n'.repeat(3_000)}\x07done`), 2048);
      const [reference, copy] = await Promise.all([fullParse(SIZE, chunks), viaScreen(SIZE, chunks, 4096)]);
      expect(copy.skipped, JSON.stringify(prelude)).toBe(0);
      expect(copy.text).toBe(reference);
    }
  });

  it('matches a full parse on random mixes of text and control sequences', async () => {
    const tokens = [
      'word ', 'a much longer run of text that will wrap the forty columns ', '\r\n', '\n', '\r', '\t',
      '\x1b[31m', '\x1b[0m', '\x1b[m', '\x1b[1;4;38;5;208m', '\x1b[48:2::10:20:30m', '\x1b[K', '\x1b[2K',
      'é', '中文', '\u0301', '\x08', '\x1b[H', '\x1b[2J', '\x1b[3;5r', '\x1b[r', '\x1b[?1049h', '\x1b[?1049l',
      '\x1b[?7l', '\x1b[?7h', '\x1b]0;title\x07', '\x1b[4h', '\x1b[4l', '\x1b(0', '\x1b(B', '\x1b[5A', '\x1b[6n',
      '\xc2\x9b2J', '\x1b', '\x9b', '\x1bP', 'q\x1b\\',
    ];
    let seedsWithSkips = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const next = random(seed);
      let text = '';
      while (text.length < 30_000) {
        // Mostly plain lines, so skips happen; now and then a control sequence.
        text += next() < 0.95 ? `${'line '.repeat(1 + Math.floor(next() * 12))}${seed}\r\n` : tokens[Math.floor(next() * tokens.length)]!;
      }
      // JS strings: '\x9b' is U+009B, which UTF-8 encodes as C2 9B, the 8-bit CSI.
      const chunks = chunked(enc(text), 1 + Math.floor(next() * 5000));
      const [reference, copy] = await Promise.all([fullParse(SMALL, chunks), viaScreen(SMALL, chunks, 2048)]);
      expect(copy.text, `seed ${seed}`).toBe(reference);
      if (copy.skipped > 0) seedsWithSkips++;
    }
    // The mixes must exercise skipping, not only the parse-everything path.
    expect(seedsWithSkips).toBeGreaterThan(20);
  });

  it('applies resizes and snapshots in order with the output around them', async () => {
    const screen = new HeadlessScreen(SIZE, () => {}, { skipTryBytes: 1024 });
    screen.write(enc('x'.repeat(50)));
    screen.resize(20, 5);
    const first = screen.snapshot();
    screen.write(enc('\r\nafter'));
    const second = screen.snapshot();
    const [a, b] = await Promise.all([first, second]);
    expect(a).not.toContain('after');
    expect(b).toContain('after');
    screen.dispose();
  });
});
