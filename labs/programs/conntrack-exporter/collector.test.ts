import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Collector, type CollectorOutput } from './collector.ts';
import { parseOptions } from './options.ts';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

function collector(): { c: Collector; sent: string[] } {
  const parsed = parseOptions([`--proc-root=${fixtures}proc`]);
  if (parsed.kind !== 'ok') throw new Error('options');
  const sent: string[] = [];
  const output: CollectorOutput = {
    snapshot: (text) => sent.push(text),
    fresh: () => sent.push('fresh'),
    child: () => {},
    out: () => {},
    err: () => {},
  };
  return { c: new Collector({ ...parsed.options, hostsPath: `${fixtures}hosts` }, output), sent };
}

describe('Collector.publish', () => {
  it('sends the text only when it changed, and otherwise confirms the last one', async () => {
    const { c, sent } = collector();
    c.publish();
    c.publish();
    await c.resync('signal'); // reads the fixture table: the counts change
    c.publish();
    c.publish();
    await c.stop();
    expect(sent.map((s) => (s === 'fresh' ? s : 'text'))).toEqual(['text', 'fresh', 'text', 'fresh']);
    expect(sent[2]).toContain('conntrack_exporter_table_entries 12');
  });
});
