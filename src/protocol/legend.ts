/**
 * Series names for legends. A template works like Grafana's legend format: `{{service}} {{le}}` puts each
 * label's value in place; a label the series lacks becomes empty. Without a template a series is named the
 * way Prometheus prints it, `metric{a="1", b="2"}`, keeping only what tells the chart's series apart.
 */
import type { LegendMode } from './dashboard.ts';

export type Labels = Readonly<Record<string, string>>;

const PLACEHOLDER = /\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g;

export function formatLegend(template: string | undefined, labels: Labels): string {
  return formatLegends(template, [labels])[0]!;
}

/**
 * Names for all series of one chart. Without a template each series is named by the labels whose values
 * differ between the series (what tells them apart in a small legend); a lone series, or series that
 * differ in no label, get their full Prometheus name.
 */
export function formatLegends(template: string | undefined, all: readonly Labels[]): string[] {
  if (template !== undefined && template.trim() !== '') return all.map((l) => applyTemplate(template, l));
  if (all.length <= 1) return all.map(seriesName);
  const keys = new Set<string>();
  for (const l of all) for (const k of Object.keys(l)) keys.add(k);
  const varying = Array.from(keys).filter((k) => all.some((l) => l[k] !== all[0]![k]));
  if (varying.length === 0) return all.map(seriesName);
  return all.map((l) => {
    const picked: Record<string, string> = {};
    for (const k of varying) if (l[k] !== undefined) picked[k] = l[k]!;
    return seriesName(picked);
  });
}

/**
 * Names for the series of one query of a dashboard panel, by its legend mode (Grafana's): `custom` applies
 * the `{{label}}` template (an empty one falls back to auto), `verbose` gives each series its full name,
 * `auto` the labels that tell the query's series apart. The dashboard draws these and the checker grades them.
 */
export function panelLegends(mode: LegendMode, format: string | undefined, all: readonly Labels[]): string[] {
  if (mode === 'verbose') return all.map(seriesName);
  return formatLegends(mode === 'custom' ? format : undefined, all);
}

/** The labels a `{{label}}` template puts in place, in order. */
export function templateLabels(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

function applyTemplate(template: string, labels: Labels): string {
  return template.replace(PLACEHOLDER, (_, name: string) => labels[name] ?? '');
}

/** `name{a="1", b="2"}` with labels sorted, as the Prometheus UI shows a series; `{}` for no labels. */
export function seriesName(labels: Labels): string {
  const name = labels.__name__ ?? '';
  const pairs = Object.keys(labels)
    .filter((k) => k !== '__name__')
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  if (pairs.length === 0) return name === '' ? '{}' : name;
  return `${name}{${pairs.join(', ')}}`;
}
