import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogFile } from './logFile.ts';

describe('LogFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pbc-log-'));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('rotates once past its limit, keeping one older file, so a process never uses more than twice the limit', () => {
    const log = new LogFile(join(dir, 'a', 'p.log'), 1000);
    for (let i = 0; i < 50; i++) log.write(`${String(i).padStart(3, '0')} ${'x'.repeat(95)}\n`);
    log.close();
    const current = statSync(join(dir, 'a', 'p.log')).size;
    const older = statSync(join(dir, 'a', 'p.log.1')).size;
    expect(current).toBeLessThanOrEqual(1000);
    expect(older).toBeLessThanOrEqual(1000);
    expect(readFileSync(join(dir, 'a', 'p.log'), 'utf8')).toMatch(/^049 x+\n$/m);
    expect(existsSync(join(dir, 'a', 'p.log.2'))).toBe(false);
  });

  it('marks supervisor notes so they stand out from output', () => {
    const log = new LogFile(join(dir, 'n.log'));
    log.note('ready');
    log.close();
    expect(readFileSync(join(dir, 'n.log'), 'utf8')).toMatch(/^\[patchbay \d{4}-\d\d-\d\dT[\d:.]+Z\] ready\n$/);
  });
});
