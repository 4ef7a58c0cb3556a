/**
 * Grafana's variables where the learner meets them, in Chromium: the built site behind a real gateway
 * whose challenge routes and Prometheus pass-through reach the offline Prometheus (the fixture).
 * - Every <MetricsGraph> of the course, with the page's clock set to the end of the fixture so "the last
 *   5 minutes" holds data, draws series and shows no error box: a graph that sends `$__rate_interval` to
 *   Prometheus as written fails with "missing unit character in duration".
 * - A challenge answer written with `$__rate_interval`, typed by hand, is not underlined as an error by
 *   the editor, and passes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startOfflineChallengeSite, type OfflineChallengeSite } from './offlineChallengeSite.ts';
import { findChallenge, typeQuery } from './challengePage.ts';
import { launchBrowser, type TestBrowser } from './challengeBrowser.ts';

const PREFIX = 'pbv';
/**
 * A graph's first answer: the chart's lazy chunk, then one range query through the gateway. Seconds
 * here; generous, since a CI machine running other browser tests beside this one once took over 20 s.
 */
const GRAPH_SETTLE_MS = 60_000;

interface CoursePage {
  url: string;
  file: string;
  graphs: number;
}

/** The course's lessons with graphs, from their MDX (front matter `id` under /course/), and the welcome page. */
function pagesWithGraphs(): CoursePage[] {
  const count = (text: string) => text.split('<MetricsGraph').length - 1;
  const pages: CoursePage[] = [{ url: '/', file: 'docs/welcome.mdx', graphs: count(readFileSync('docs/welcome.mdx', 'utf8')) }];
  for (const name of readdirSync('docs/course').filter((n) => n.endsWith('.mdx')).sort()) {
    const file = join('docs/course', name);
    const text = readFileSync(file, 'utf8');
    const id = /^id:\s*(\S+)\s*$/m.exec(text)?.[1] ?? name.replace(/^\d+-/, '').replace(/\.mdx$/, '');
    pages.push({ url: `/course/${id}`, file, graphs: count(text) });
  }
  return pages.filter((p) => p.graphs > 0);
}

describe("Grafana's variables in the browser", () => {
  let site: OfflineChallengeSite | undefined;
  /** One browser per test: a page's fixed clock is its context's, and CodeMirror's linter waits on the clock. */
  let browser: TestBrowser | undefined;

  beforeAll(async () => {
    site = await startOfflineChallengeSite(PREFIX);
  }, 600_000);

  beforeEach(async () => {
    browser = await launchBrowser(PREFIX, site!.gw);
  });

  afterEach(async () => {
    await browser?.close();
    browser = undefined;
  });

  afterAll(async () => {
    await site?.close();
  });

  it('draws series and shows no error box for each graph', async () => {
    const pages = pagesWithGraphs();
    expect(pages.reduce((n, p) => n + p.graphs, 0)).toBeGreaterThanOrEqual(13);
    const problems: string[] = [];
    let seen = 0;
    for (const p of pages) {
      const page = await browser!.context.newPage();
      // The fixture lies in a fixed past: the page's clock stands at its end, so the graphs' window holds it.
      await page.clock.setFixedTime(new Date(site!.set.offline.end * 1000));
      await page.goto(`${site!.gw.url}${p.url}`);
      const graphs = page.getByTestId('metrics-graph');
      await graphs.first().waitFor();
      expect(await graphs.count(), `${p.file}: graphs on the page`).toBe(p.graphs);
      for (let i = 0; i < p.graphs; i++) {
        const graph = graphs.nth(i);
        // Graphs poll only while on screen, as the learner scrolls to them.
        await graph.scrollIntoViewIfNeeded();
        // Settled: series drawn (the chart code loads lazily), an error box, or the "no data" note.
        await graph.locator('[data-testid="chart-legend"] li, [role="status"], p:text("No data yet")').first().waitFor({ timeout: GRAPH_SETTLE_MS });
        const title = (await graph.locator('figcaption').evaluate((e) => e.firstChild?.textContent ?? ''))?.trim();
        const state = await graph.getAttribute('data-state');
        const errorBox = graph.locator('[role="status"]');
        const error = (await errorBox.count()) > 0 ? await errorBox.first().textContent() : null;
        const series = await graph.getByTestId('chart-legend').locator('li').count();
        if (state !== 'ok' || error !== null || series === 0) problems.push(`${p.file} "${title}": state ${state}, ${series} series${error ? `, error: ${error}` : ''}`);
        seen++;
      }
      await page.close();
    }
    expect(problems).toEqual([]);
    expect(seen).toBeGreaterThanOrEqual(13);
  }, 300_000);

  it('does not underline a challenge answer that uses $__rate_interval, and passes it', async () => {
    const id = 'api-destroyed-connections-rate';
    const c = site!.set.byId.get(id)!;
    expect(c.reference).toContain('$__rate_interval');
    const page = await browser!.context.newPage();
    try {
      await page.goto(`${site!.gw.url}/course/${c.lesson}`);
      const { box, input } = await findChallenge(page, id);
      const marks = box.locator('.cm-lintRange-error');
      // One lint run over the right answer and a variable Grafana does not have: only the latter is marked.
      await typeQuery(input, `${c.reference} and rate(x[$__nope])`);
      await marks.first().waitFor({ state: 'attached' });
      // (A mark may be split where the highlighting splits the text.)
      const marked = (await marks.allTextContents()).join('');
      expect(marked).toContain('nope');
      expect(marked).not.toContain('rate_interval');
      await typeQuery(input, c.reference);
      await box.getByRole('button', { name: 'Check' }).click();
      await expect.poll(() => box.locator('[data-verdict]').getAttribute('data-verdict')).toBe('pass');
    } finally {
      await page.close();
    }
  }, 120_000);
});
