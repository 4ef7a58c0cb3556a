/**
 * Series names for legends. A template works like Grafana's legend format: `{{service}} {{le}}` puts each
 * label's value in place; a label the series lacks becomes empty. Without a template a series is named the
 * way Prometheus prints it: `metric{a="1", b="2"}`.
 */
export type Labels = Readonly<Record<string, string>>;

const PLACEHOLDER = /\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g;

export function formatLegend(template: string | undefined, labels: Labels): string {
  if (template !== undefined && template.trim() !== '') {
    return template.replace(PLACEHOLDER, (_, name: string) => labels[name] ?? '');
  }
  return seriesName(labels);
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
