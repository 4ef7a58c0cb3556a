import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFiles } from './startLab.ts';

describe('writeFiles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pbw-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const hostDir = join(dir, 'hosts', 'web');
  const plan = (path: string) => ({
    hosts: [{ name: 'web', hostDir }],
    processes: [{ id: 'web/app', host: 'web', logFile: join(dir, 'logs', 'app.log'), files: [{ path, content: 'written' }] }],
  });

  it('writes a file inside the host directory', () => {
    expect(writeFiles(plan(join(hostDir, 'conf', 'app.conf')))).toEqual({ ok: true });
    expect(readFileSync(join(hostDir, 'conf', 'app.conf'), 'utf8')).toBe('written');
  });

  it('refuses to write outside it even when a path got past the loader', () => {
    const outside = join(hostDir, '..', '..', 'escaped.txt');
    const r = writeFiles(plan(outside));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/^web\/app: refusing to write .*escaped\.txt: outside the host's directory/);
    expect(existsSync(join(dir, 'escaped.txt'))).toBe(false);
    expect(writeFiles(plan('/tmp/pbw-absolute.txt')).ok).toBe(false);
    expect(existsSync('/tmp/pbw-absolute.txt')).toBe(false);
  });
});
