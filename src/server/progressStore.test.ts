/**
 * Progress survives a SIGKILL in the middle of writing: a child process records attempts in a loop and
 * is killed at a random moment; the store then reads whole, valid data, and keeps working.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ProgressStore } from './progressStore.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'pbp-progress-'));
  dirs.push(d);
  return d;
}

describe('ProgressStore', () => {
  it('records attempts, the first pass and reveals per session', async () => {
    const store = new ProgressStore(tempDir());
    await store.recordAttempt('s1', 'a', false);
    const passed = await store.recordAttempt('s1', 'a', true, new Date('2026-01-01T00:00:00Z'));
    await store.recordAttempt('s1', 'a', false);
    await store.markRevealed('s1', 'b');
    expect(await store.get('s1')).toEqual({
      a: { passed: true, passedAt: '2026-01-01T00:00:00.000Z', attempts: 3, revealed: false },
      b: { passed: false, attempts: 0, revealed: true },
    });
    expect(passed.passed).toBe(true);
    expect(await store.get('s2')).toEqual({});
  });

  it('keeps every update when many arrive at once for one session', async () => {
    const store = new ProgressStore(tempDir());
    await Promise.all(Array.from({ length: 25 }, (_, i) => store.recordAttempt('s', `c${i % 5}`, i % 2 === 0)));
    const all = await store.get('s');
    expect(Object.values(all).reduce((n, p) => n + p.attempts, 0)).toBe(25);
  });

  it('survives a restart: a new store on the same directory reads what the old one wrote', async () => {
    const dir = tempDir();
    await new ProgressStore(dir).recordAttempt('learner', 'x', true);
    expect((await new ProgressStore(dir).get('learner')).x?.passed).toBe(true);
  });

  it('reads valid data after the writer is SIGKILLed mid-write, several times over', async () => {
    const dir = tempDir();
    // .mts: the temp dir has no package.json saying "module", and the writer uses top-level await.
    const script = path.join(dir, 'writer.mts');
    writeFileSync(
      script,
      `import { ProgressStore } from ${JSON.stringify(path.join(ROOT, 'src/server/progressStore.ts'))};
const store = new ProgressStore(${JSON.stringify(path.join(dir, 'data'))});
let i = 0;
process.stdout.write('started\\n');
for (;;) { await store.recordAttempt('victim', 'c' + (i % 7), i % 3 === 0); i++; }
`,
    );
    let lastAttempts = 0;
    for (let round = 0; round < 4; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      const started = await new Promise<boolean>((resolve) => {
        child.stdout!.once('data', () => resolve(true));
        child.once('exit', () => resolve(false));
      });
      expect(started).toBe(true);
      // Let it write for a random while, then kill it without warning.
      await new Promise((r) => setTimeout(r, 50 + Math.floor(Math.random() * 250)));
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      const store = new ProgressStore(path.join(dir, 'data'));
      const all = await store.get('victim');
      const attempts = Object.values(all).reduce((n, p) => n + p.attempts, 0);
      expect(attempts).toBeGreaterThanOrEqual(lastAttempts);
      for (const p of Object.values(all)) expect(typeof p.passed).toBe('boolean');
      lastAttempts = attempts;
      // The store still works after the kill and cleans up temp files the killed writer left.
      await store.recordAttempt('victim', 'after', true);
      expect(readdirSync(path.join(dir, 'data')).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    }
    expect(lastAttempts).toBeGreaterThan(0);
  });
});
