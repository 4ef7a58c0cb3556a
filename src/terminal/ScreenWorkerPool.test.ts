import { afterEach, describe, expect, it, vi } from 'vitest';
import { HeadlessScreen } from './HeadlessScreen.ts';
import { ScreenWorkerPool } from './ScreenWorkerPool.ts';

let pool: ScreenWorkerPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

const SIZE = { cols: 40, rows: 10, scrollback: 100 };
const OUTPUT = [
  'plain line\r\n',
  '\x1b[1;31mbold red\x1b[0m and \x1b[4munderlined\x1b[0m\r\n',
  ...Array.from({ length: 30 }, (_, i) => `scroll ${i}\r\n`),
  '\x1b[?1049h\x1b[Halternate screen\x1b[5;5Hat 5,5',
];

describe('ScreenWorkerPool', () => {
  it('serializes the same screen as a copy on the calling thread, and reports every byte consumed', async () => {
    pool = new ScreenWorkerPool();
    let consumed = 0;
    const remote = pool.open(SIZE, (bytes) => (consumed += bytes));
    const local = new HeadlessScreen(SIZE);
    let written = 0;
    for (const chunk of OUTPUT) {
      const bytes = Buffer.from(chunk);
      written += bytes.byteLength;
      remote.write(bytes);
      local.write(bytes);
    }
    const [remoteText, localText] = await Promise.all([remote.snapshot(), local.snapshot()]);
    expect(remoteText).toBe(localText);
    expect(remoteText).toContain('alternate screen');
    // Counts are reported in batches, shortly after parsing.
    await expect.poll(() => consumed).toBe(written);
    local.dispose();
    remote.dispose();
  });

  it('keeps terminals apart and applies resizes in order with writes', async () => {
    pool = new ScreenWorkerPool();
    const a = pool.open(SIZE, () => {});
    const b = pool.open(SIZE, () => {});
    a.write(Buffer.from('only in a'));
    b.resize(20, 5);
    b.write(Buffer.from('x'.repeat(25)));
    const [textA, textB] = await Promise.all([a.snapshot(), b.snapshot()]);
    expect(textA).toContain('only in a');
    expect(textB).not.toContain('only in a');
    // 25 characters on a 20-column screen wrap onto a second row.
    expect(textB).toMatch(/x{20}[\s\S]*x{5}/);
  });

  it('replays the last screens of a flood exactly and reports all of it consumed', async () => {
    pool = new ScreenWorkerPool();
    let consumed = 0;
    const remote = pool.open(SIZE, (bytes) => (consumed += bytes));
    const local = new HeadlessScreen(SIZE, () => {}, { skipTryBytes: Number.MAX_SAFE_INTEGER });
    const flood = Buffer.from(Array.from({ length: 200_000 }, (_, i) => `line ${i}\r\n`).join(''));
    for (let at = 0; at < flood.length; at += 4096) {
      remote.write(flood.subarray(at, at + 4096));
      local.write(flood.subarray(at, at + 4096));
    }
    const [remoteText, localText] = await Promise.all([remote.snapshot(), local.snapshot()]);
    expect(remoteText).toBe(localText);
    expect(remoteText).toContain('line 199999');
    await expect.poll(() => consumed).toBe(flood.length);
  });

  it('gives back outstanding bytes and answers snapshots when its worker dies', async () => {
    pool = new ScreenWorkerPool();
    let consumed = 0;
    const screen = pool.open(SIZE, (bytes) => (consumed += bytes));
    screen.write(Buffer.from('some output'));
    // A real crash: a malformed message makes the worker throw outside any handler.
    const worker = (pool as unknown as { worker: import('node:worker_threads').Worker }).worker;
    const errors: unknown[] = [];
    let snapshot: Promise<string> | undefined;
    const consoleError = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void errors.push(args));
    try {
      worker.postMessage({ op: 'write', ids: [1], chunks: [null] });
      // Asked after the fatal message, so the worker can never answer it.
      snapshot = screen.snapshot();
      await new Promise((resolve) => worker.once('exit', resolve));
    } finally {
      consoleError.mockRestore();
    }
    expect(String(errors[0])).toContain('screen worker failed');
    expect(await snapshot).toBe('');
    expect(consumed).toBe('some output'.length);
    screen.write(Buffer.from('more'));
    expect(consumed).toBe('some output'.length + 4);
    expect(await screen.snapshot()).toBe('');
  });
});
