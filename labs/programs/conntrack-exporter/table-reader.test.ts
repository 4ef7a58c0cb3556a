import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hasTcpSockets, readTable } from './table-reader.ts';

const root = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

describe('readTable', () => {
  it('reads every TCP entry of the table and counts unparsable lines', async () => {
    const ports: number[] = [];
    const r = await readTable(root('proc'), (e) => ports.push(e.sport));
    expect(r.kind === 'ok' && [r.count, r.parseErrors]).toEqual([12, 1]);
    expect(ports.length).toBe(12);
    expect(ports[0]).toBe(40112);
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
