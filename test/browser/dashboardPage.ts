/** A learner's hands on a <Dashboard> in Chromium: adding a panel and typing its title, queries and legends. */
import type { Locator, Page } from 'playwright-core';
import type { Panel } from '../../src/protocol/dashboard.ts';
import { typeQuery } from './challengePage.ts';

export interface TypedQuery {
  expr: string;
  /** A custom legend template; absent: the panel's default (auto) legend. */
  legend?: string;
}

/** The <Dashboard id> of a lesson, once its editor is shown. */
export async function findDashboard(page: Page, id: string, timeoutMs: number): Promise<Locator> {
  const dashboard = page.locator(`[data-dashboard="${id}"] [data-testid="dashboard"]`);
  await dashboard.waitFor({ timeout: timeoutMs });
  return dashboard;
}

/** Query `refId` (A, B, …) of a panel. */
export const queryOf = (panel: Locator, refId: string): Locator => panel.locator(`[role="group"][aria-label="Query ${refId}"]`);

/** Types a query and, when given, a custom legend into query `refId` of a panel. */
export async function typePanelQuery(panel: Locator, refId: string, query: TypedQuery): Promise<void> {
  const group = queryOf(panel, refId);
  await typeQuery(group.getByTestId('promql-input'), query.expr);
  if (query.legend === undefined) return;
  await group.getByLabel(`Legend mode of query ${refId}`).selectOption('custom');
  const template = group.getByLabel(`Legend template of query ${refId}`);
  await template.click();
  await template.pressSequentially(query.legend);
}

/** Adds a panel (the dashboard's last) and types its title and queries A, B, … by hand; returns the panel. */
export async function addPanel(dashboard: Locator, title: string, queries: TypedQuery[]): Promise<Locator> {
  await dashboard.getByRole('button', { name: 'Add panel' }).click();
  const panel = dashboard.locator('[data-testid="dashboard-panel"]').last();
  const titleInput = panel.getByLabel('Panel title');
  await titleInput.fill('');
  await titleInput.pressSequentially(title);
  for (const [i, query] of queries.entries()) {
    if (i > 0) await panel.getByRole('button', { name: 'Add query' }).click();
    await typePanelQuery(panel, String.fromCharCode(65 + i), query);
  }
  return panel;
}

/** What a learner would type for a panel: its queries, each with its custom legend (others keep Auto). */
export function typedQueries(panel: Panel): TypedQuery[] {
  return panel.queries.map((q) => ({ expr: q.expr, ...(q.legendMode === 'custom' && q.legendFormat !== undefined ? { legend: q.legendFormat } : {}) }));
}

/** A panel as the page shows it (title, each query's text and legend), for a failure message. */
export async function describePanel(panel: Locator): Promise<string> {
  const title = await panel.getByLabel('Panel title').inputValue();
  const queries = await panel.locator('[role="group"][aria-label^="Query "]').evaluateAll((groups) =>
    groups.map((g) => {
      const text = g.querySelector('[data-testid="promql-input"]')?.textContent ?? '';
      const mode = (g.querySelector('select') as HTMLSelectElement | null)?.value ?? '?';
      const template = (g.querySelector('input[type="text"]') as HTMLInputElement | null)?.value;
      return `${g.getAttribute('data-ref-id')}: ${text} (legend ${mode}${template === undefined ? '' : ` "${template}"`})`;
    }),
  );
  return `panel "${title}": ${queries.join('; ')}`;
}
