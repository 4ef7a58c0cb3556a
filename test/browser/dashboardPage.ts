/** A learner's hands on a <Dashboard> in Chromium: adding a panel and typing its title, queries and legends. */
import type { Locator, Page } from 'playwright-core';
import type { PanelChallenge } from '../../src/checker/challenges.ts';
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

/**
 * What a learner who read the challenge would type for its reference panel: each reference query, with a
 * legend meeting its first legend rule (the text it must contain, or the label it must show).
 */
export function referencePanel(challenge: PanelChallenge): { title: string; queries: TypedQuery[] } {
  const { title, queries } = challenge.panel;
  return {
    title: typeof title === 'string' ? title : challenge.title,
    queries: queries.map((q) => {
      const rule = q.legend?.[0];
      const legend = rule?.contains ?? (rule?.label ? `{{${rule.label}}}` : undefined);
      return { expr: q.reference, ...(legend === undefined ? {} : { legend }) };
    }),
  };
}
