import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { hasTcpSockets, readTable } from './tableReader.ts';

const root = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

describe('readTable', () => {
  it('reads every TCP entry of the table and counts unparsable lines', async () => {
    const ports: number[] = [];
    const r = await readTable(root('proc'), (e) => ports.push(e.sport));
    expect(r.kind === 'ok' && [r.count, r.parseErrors]).toEqual([12, 1]);
    expect(ports.length).toBe(12);
    expect(ports[0]).toBe(40112);
  });

  describe('on a table larger than one read slice', () => {
    let dir: string | undefined;
    afterEach(() => {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    });

    it('reads every entry once and in order, including those cut by a slice boundary', async () => {
      dir = mkdtempSync(join(tmpdir(), 'pbe-reader-'));
      mkdirSync(join(dir, 'net'));
      const n = 5_000; // about 850 KB: several 256 KiB slices
      const lines = Array.from({ length: n }, (_, i) =>
        `ipv4     2 tcp      6 ${100 + (i % 7)} ESTABLISHED src=10.0.0.1 dst=10.0.${i % 250}.2 sport=${10_000 + i} dport=80 src=10.0.${i % 250}.2 dst=10.0.0.1 sport=80 dport=${10_000 + i} [ASSURED] mark=0 zone=0 use=2`);
      writeFileSync(join(dir, 'net/nf_conntrack'), lines.join('\n') + '\n');
      const ports: number[] = [];
      const r = await readTable(dir, (e) => ports.push(e.sport));
      expect(r.kind === 'ok' && [r.count, r.parseErrors]).toEqual([n, 0]);
      expect(ports).toEqual(Array.from({ length: n }, (_, i) => 10_000 + i));
    });
  });

  it('says conntrack is not loaded when the table file does not exist', async () => {
    expect(await readTable(root('proc-no-conntrack'), () => {})).toMatchObject({ kind: 'unreadable', status: 'not_loaded' });
  });
});

describe('hasTcpSockets', () => {
  it('finds a connected socket and ignores listening ones', async () => {
    expect(await hasTcpSockets(root('proc-no-conntrack'))).toBe(true);
    expect(await hasTcpSockets(root('proc'))).toBe(false);
  });
});
