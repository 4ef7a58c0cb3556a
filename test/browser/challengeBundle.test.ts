/**
 * Lazy loading, checked on the built files: the editor (CodeMirror + codemirror-promql) and the chart
 * (uPlot) must live in chunks of their own, never in the main bundle every page loads.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyBuiltSite, type SiteCopy } from './challengeSite.ts';

/** Strings that survive minification, one per library (class names and messages, not identifiers). */
const MARKERS = {
  codemirror: 'cm-content',
  'codemirror-promql': 'expected type',
  uplot: 'u-legend',
} as const;

let site: SiteCopy | undefined;

function chunks(): { name: string; text: string }[] {
  const jsDir = join(site!.dir, 'assets', 'js');
  return readdirSync(jsDir)
    .filter((f) => f.endsWith('.js'))
    .map((name) => ({ name, text: readFileSync(join(jsDir, name), 'utf8') }));
}

describe('the built site', () => {
  beforeAll(() => {
    site = copyBuiltSite('pbg');
  }, 600_000);
  afterAll(() => site?.remove());

  it('keeps CodeMirror, codemirror-promql and uPlot out of the main bundle', () => {
    const all = chunks();
    const main = all.filter((c) => /^main\.[0-9a-f]+\.js$/.test(c.name) || c.name.startsWith('runtime~main.'));
    expect(main.length).toBeGreaterThanOrEqual(1);
    for (const [lib, marker] of Object.entries(MARKERS)) {
      for (const c of main) expect(c.text.includes(marker), `${lib} (${marker}) in ${c.name}`).toBe(false);
    }
  });

  it('has each library in a lazily loaded chunk (so the markers above are real)', () => {
    const all = chunks();
    for (const [lib, marker] of Object.entries(MARKERS)) {
      const holders = all.filter((c) => c.text.includes(marker)).map((c) => c.name);
      expect(holders.length, `${lib} (${marker}) found in no chunk`).toBeGreaterThanOrEqual(1);
      expect(holders.some((n) => n.startsWith('main.') || n.startsWith('common.')), `${lib} in ${holders.join(', ')}`).toBe(false);
    }
  });

  it('keeps uPlot out of the chunk with the editor, so a graph-only page does not download CodeMirror', () => {
    const all = chunks();
    const withUplot = all.filter((c) => c.text.includes(MARKERS.uplot));
    for (const c of withUplot) expect(c.text.includes(MARKERS.codemirror), c.name).toBe(false);
  });
});
