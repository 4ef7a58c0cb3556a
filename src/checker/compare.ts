/**
 * The verdict's core, after the Prometheus compliance tester: two range-query results are equal when
 * the same label sets (minus ignored labels) have samples at the same timestamps with values equal
 * within a relative tolerance, NaN equal to NaN.
 */
import type { MatrixSeries } from './prometheusClient.ts';

export const CompareTolerance = {
  /** Relative: `increase(x[1m])/60` and `rate(x[1m])` differ by float rounding, never by this much. */
  RELATIVE: 1e-5,
  /** Absolute floor for values near zero, where a relative bound alone would demand exact equality. */
  ABSOLUTE: 1e-13,
} as const;

export interface SeriesDifference {
  key: string;
  /** Unix seconds of the first differing sample; null when the series themselves differ (their number). */
  at: number | null;
  expected: string | null;
  got: string | null;
}

export interface Comparison {
  equal: boolean;
  /** Keys the reference has and the answer lacks, and the reverse. */
  missing: string[];
  extra: string[];
  /** Series present on both sides with different samples (at most a few reported). */
  differing: SeriesDifference[];
}

const MAX_REPORTED_DIFFERENCES = 5;

export function seriesKey(metric: Record<string, string>, ignore: ReadonlySet<string>): string {
  const entries = Object.entries(metric)
    .filter(([k]) => !ignore.has(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}}`;
}

export function valuesEqual(a: string, b: string): boolean {
  if (a === b) return true;
  const x = Number(a);
  const y = Number(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y);
  if (!Number.isFinite(x) || !Number.isFinite(y)) return x === y;
  return Math.abs(x - y) <= Math.max(CompareTolerance.ABSOLUTE, CompareTolerance.RELATIVE * Math.max(Math.abs(x), Math.abs(y)));
}

function group(result: MatrixSeries[], ignore: ReadonlySet<string>): Map<string, MatrixSeries[]> {
  const map = new Map<string, MatrixSeries[]>();
  for (const s of result) {
    const key = seriesKey(s.metric, ignore);
    const list = map.get(key) ?? [];
    list.push(s);
    map.set(key, list);
  }
  // Series that collapse onto one key (ignored labels differing) are paired in a stable order.
  for (const list of map.values()) list.sort((a, b) => (seriesKey(a.metric, new Set()) < seriesKey(b.metric, new Set()) ? -1 : 1));
  return map;
}

/** Always ignored: `x` and `sum without (worker) (x_per_worker)` are the same numbers for the same
 * things; only the metric name, which functions and aggregations drop anyway, tells them apart. */
export const ALWAYS_IGNORED_LABELS = ['__name__'] as const;

export function compareResults(expected: MatrixSeries[], got: MatrixSeries[], ignoreLabels: readonly string[] = []): Comparison {
  const ignore = new Set([...ALWAYS_IGNORED_LABELS, ...ignoreLabels]);
  const e = group(expected, ignore);
  const g = group(got, ignore);
  const missing = [...e.keys()].filter((k) => !g.has(k));
  const extra = [...g.keys()].filter((k) => !e.has(k));
  const differing: SeriesDifference[] = [];
  for (const [key, eList] of e) {
    const gList = g.get(key);
    if (!gList) continue;
    if (gList.length !== eList.length) {
      differing.push({ key, at: null, expected: `${eList.length} series`, got: `${gList.length} series` });
      continue;
    }
    for (let i = 0; i < eList.length; i++) {
      const d = firstDifference(eList[i]!.values, gList[i]!.values);
      if (d) {
        differing.push({ key, ...d });
        break;
      }
    }
  }
  return { equal: missing.length === 0 && extra.length === 0 && differing.length === 0, missing, extra, differing: differing.slice(0, MAX_REPORTED_DIFFERENCES) };
}

/**
 * The first timestamp at which two series disagree, pairing samples by time: a sample one side has and
 * the other lacks (an answer that filters points out) is reported with null on the side that lacks it,
 * never with the other side's next sample.
 */
function firstDifference(a: [number, string][], b: [number, string][]): Omit<SeriesDifference, 'key'> | null {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (x && y && x[0] === y[0]) {
      if (!valuesEqual(x[1], y[1])) return { at: x[0], expected: x[1], got: y[1] };
      i++;
      j++;
    } else if (x && (!y || x[0] < y[0])) return { at: x[0], expected: x[1], got: null };
    else return { at: y![0], expected: null, got: y![1] };
  }
  return null;
}
