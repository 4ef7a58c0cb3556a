/**
 * No two paths of the repository differ only by case: they would collide on macOS and Windows, where a clone
 * silently keeps one of them (as src/components/Terminal and src/components/terminal once did).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Every tracked file and every folder above one. */
function trackedPaths(): string[] {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  const all = new Set<string>();
  for (const file of files) {
    for (let p = file; p !== '.'; p = path.dirname(p)) all.add(p);
  }
  return [...all];
}

describe('repository paths', () => {
  it('has no two paths that differ only by case', () => {
    const byFolded = new Map<string, string[]>();
    for (const p of trackedPaths()) byFolded.set(p.toLowerCase(), [...(byFolded.get(p.toLowerCase()) ?? []), p]);
    const collisions = [...byFolded.values()].filter((group) => group.length > 1);
    expect(collisions).toEqual([]);
  });

  it('sees the tracked tree (the check above is not vacuous)', () => {
    const paths = trackedPaths();
    expect(paths).toContain('src/components/dock');
    expect(paths).toContain('src/components/Terminal');
  });
});
