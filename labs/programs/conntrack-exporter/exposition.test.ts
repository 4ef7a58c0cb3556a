import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ConntrackEntry } from './conntrackLine.ts';
import { ConnTable } from './connTable.ts';
import { emptyStats, escapeLabel, renderConnections, renderStats } from './exposition.ts';
import { parseHostsFile, parseIgnoreList } from './hostNamer.ts';
import { readTable } from './tableReader.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const GOLDEN = here('./fixtures/metrics.golden.txt');
const T0 = 1_800_000_000_000;

/** Renders the fixture table as the collector would, with fixed figures for the time-dependent stats. */
async function renderFixture(): Promise<string> {
  const entries: ConntrackEntry[] = [];
  const read = await readTable(here('./fixtures/proc'), (e) => entries.push(e));
  if (read.kind !== 'ok') throw new Error(`fixture unreadable: ${read.status}`);
  const naming = {
    local: new Set(['10.20.0.2', 'fd00:20::2', '127.0.0.1']),
    names: parseHostsFile(readFileSync(here('./fixtures/hosts'), 'utf8')),
    ignore: parseIgnoreList('10.20.0.8'),
  };
  const table = new ConnTable(T0);
  table.replace(entries, naming, T0);
  const stats = {
    ...emptyStats(),
    tableEntries: table.size,
    hosts: table.hostCount,
    parseErrors: read.parseErrors,
    resyncs: 1,
    lastResyncSeconds: 0.004,
    lastResyncTimestamp: T0 / 1000,
    eventSourceUp: true,
    status: 'ok' as const,
  };
  return renderConnections(table.rows()) + renderStats(stats);
}

describe('exposition', () => {
  it('renders the fixture table as the golden /metrics text', async () => {
    const text = await renderFixture();
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, text);
    expect(text).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('passes promtool check metrics without lint problems', async () => {
    const text = await renderFixture();
    // promtool exits non-zero and names the problem on any format or lint error.
    const out = execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    expect(out).toBe('');
  });

  it('escapes backslashes, quotes and newlines in label values', () => {
    expect(escapeLabel('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(renderConnections([['x"y', 1, 2, 3, 4]])).toContain('conntrack_open_connections{host="x\\"y"} 2\n');
  });

  it('marks the current table status 1 and the others 0', () => {
    const text = renderStats({ ...emptyStats(), status: 'not_tracking' });
    expect(text).toContain('conntrack_exporter_table_readable 0\n');
    expect(text).toContain('conntrack_exporter_table_status{reason="not_tracking"} 1\n');
    expect(text).toContain('conntrack_exporter_table_status{reason="ok"} 0\n');
  });
});
