import { afterEach, describe, expect, it } from 'vitest';
import { InlineScreenMirror } from './ScreenMirror.ts';
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
  it('serializes the same screen as an inline mirror, after parsing every write', async () => {
    pool = new ScreenWorkerPool();
    const remote = pool.open(SIZE);
    const local = new InlineScreenMirror(SIZE);
    let parsed = 0;
    for (const chunk of OUTPUT) {
      const bytes = Buffer.from(chunk);
      remote.write(bytes, () => parsed++);
      local.write(bytes, () => {});
    }
    const [remoteText, localText] = await Promise.all([remote.snapshot(), local.snapshot()]);
    expect(remoteText).toBe(localText);
    expect(remoteText).toContain('alternate screen');
    expect(parsed).toBe(OUTPUT.length);
    local.dispose();
    remote.dispose();
  });

  it('keeps terminals apart and applies resizes in order with writes', async () => {
    pool = new ScreenWorkerPool();
    const a = pool.open(SIZE);
    const b = pool.open(SIZE);
    a.write(Buffer.from('only in a'), () => {});
    b.resize(20, 5);
    b.write(Buffer.from('x'.repeat(25)), () => {});
    const [textA, textB] = await Promise.all([a.snapshot(), b.snapshot()]);
    expect(textA).toContain('only in a');
    expect(textB).not.toContain('only in a');
    // 25 characters on a 20-column screen wrap onto a second row.
    expect(textB).toMatch(/x{20}[\s\S]*x{5}/);
  });
});
