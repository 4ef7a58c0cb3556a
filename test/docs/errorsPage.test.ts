/**
 * docs/authoring/errors.md and the registry in src/protocol/errors.ts must list the same codes with
 * the same status or close code and the same retry, family by family. The page is parsed as people
 * read it: one table under each family's heading, first column the code.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorRegistry, closeCodeOf, closeRetried, type TerminalErrorCode } from '../../src/protocol/errors.ts';

const PAGE = new URL('../../docs/authoring/errors.md', import.meta.url);

/** What a table row (or a registry entry) says: every column the page and the registry share. */
type Facts = Record<string, string>;
type Family = Record<string, Facts>;

const yesNo = (b: boolean) => (b ? 'yes' : 'no');

/** Each family's heading on the page, its columns after the code, and what the registry says. */
const FAMILIES: { heading: string; columns: string[]; registry: () => Family }[] = [
  {
    heading: '## HTTP API',
    columns: ['status', 'retried'],
    registry: () => map(ErrorRegistry.http, (e) => ({ status: String(e.status), retried: yesNo(e.retry) })),
  },
  {
    heading: '## Terminal socket',
    columns: ['close code', 'retried'],
    registry: () =>
      map(ErrorRegistry.terminal, (_e, code) => {
        const close = closeCodeOf(code as TerminalErrorCode);
        return { 'close code': String(close), retried: yesNo(closeRetried(close)) };
      }),
  },
  {
    heading: '### Close codes',
    columns: ['name', 'retried'],
    registry: () =>
      Object.fromEntries(Object.entries(ErrorRegistry.close).map(([name, c]) => [String(c.code), { name: `\`${name}\``, retried: yesNo(c.retry) }])),
  },
  {
    heading: '## Checker verdicts',
    columns: ['attempt', 'retried'],
    registry: () => map(ErrorRegistry.check, (e) => ({ attempt: yesNo(e.attempt), retried: yesNo(e.retry) })),
  },
  {
    heading: '## Browser',
    columns: ['status', 'retried'],
    registry: () => map(ErrorRegistry.browser, (e: { status?: number; retry: boolean }) => ({ status: e.status === undefined ? 'any' : String(e.status), retried: yesNo(e.retry) })),
  },
];

function map<E>(entries: Record<string, E>, facts: (entry: E, code: string) => Facts): Family {
  return Object.fromEntries(Object.entries(entries).map(([code, e]) => [code, facts(e, code)]));
}

/** The first table after `heading` (and before the next heading of any level), as rows of cells. */
function tableAfter(markdown: string, heading: string): string[][] | null {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trim() === heading);
  if (start < 0) return null;
  const rows: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^#{1,6} /.test(line)) break;
    if (!line.startsWith('|')) {
      if (rows.length) break;
      continue;
    }
    rows.push(line.replace(/^\||\|$/g, '').split('|').map((c) => c.trim()));
  }
  return rows;
}

/** Every way the page and the registry differ, as sentences (empty when they agree). */
function disagreements(markdown: string): string[] {
  const found: string[] = [];
  for (const family of FAMILIES) {
    const table = tableAfter(markdown, family.heading);
    if (!table || table.length < 2) {
      found.push(`${family.heading}: no table on the page`);
      continue;
    }
    const [header, , ...rows] = table;
    const index = family.columns.map((c) => header!.indexOf(c));
    if (index.some((i) => i < 1)) {
      found.push(`${family.heading}: the table needs the columns ${family.columns.join(', ')} after the code, has ${header!.join(', ')}`);
      continue;
    }
    const page: Family = {};
    for (const cells of rows) {
      const code = cells[0]!.replace(/^`|`$/g, '');
      page[code] = Object.fromEntries(family.columns.map((c, i) => [c, cells[index[i]!] ?? '']));
    }
    const registry = family.registry();
    for (const code of Object.keys(registry)) if (!Object.hasOwn(page, code)) found.push(`${family.heading}: ${code} is in the registry but not on the page`);
    for (const code of Object.keys(page)) if (!Object.hasOwn(registry, code)) found.push(`${family.heading}: ${code} is on the page but not in the registry`);
    for (const [code, facts] of Object.entries(registry)) {
      const listed = page[code];
      if (!listed) continue;
      for (const column of family.columns) {
        if (listed[column] !== facts[column]) found.push(`${family.heading}: ${code} has ${column} ${listed[column]} on the page, ${facts[column]} in the registry`);
      }
    }
  }
  return found;
}

describe('docs/authoring/errors.md', () => {
  const page = readFileSync(PAGE, 'utf8');

  it('lists every code of the registry, and nothing else, with the same status, close code and retry', () => {
    expect(disagreements(page)).toEqual([]);
  });

  // The check itself must catch each kind of drift, or the test above proves nothing.
  it('notices a code missing from the page, a code the registry lacks, and a different status', () => {
    const row = page.split('\n').find((l) => l.startsWith('| `PB_REVEAL_LOCKED` |'))!;
    expect(disagreements(page.replace(`${row}\n`, ''))).toEqual(['## HTTP API: PB_REVEAL_LOCKED is in the registry but not on the page']);
    expect(disagreements(page.replace(row, `${row}\n| \`PB_GONE\` | 410 | no | x | y |`))).toEqual(['## HTTP API: PB_GONE is on the page but not in the registry']);
    expect(disagreements(page.replace(row, row.replace('| 409 |', '| 403 |')))).toEqual(['## HTTP API: PB_REVEAL_LOCKED has status 403 on the page, 409 in the registry']);
    const refused = page.split('\n').find((l) => l.startsWith('| `PB_TARGET_REFUSED` |'))!;
    expect(disagreements(page.replace(refused, refused.replace('| 4003 | no |', '| 4003 | yes |')))).toEqual([
      '## Terminal socket: PB_TARGET_REFUSED has retried yes on the page, no in the registry',
    ]);
  });
});
