/**
 * Latency statistics in fortio's style: fortio's bucket boundaries (seconds), the `# range, mid point,
 * percentile, count` table, and `# target P% value` lines. Percentiles here are exact (computed from
 * every sample) where fortio interpolates inside a bucket.
 */
export const BUCKETS_S = [
  0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.007, 0.008, 0.009, 0.01, 0.011, 0.012, 0.014, 0.016, 0.018, 0.02, 0.025,
  0.03, 0.035, 0.04, 0.045, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1, 0.12, 0.14, 0.16, 0.18, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45,
  0.5, 0.6, 0.7, 0.8, 0.9, 1, 2, 3, 4, 5, 7.5, 10, 15, 20, 30, 40, 50, 60, 70, 80, 90, 100,
] as const;

export const PERCENTILES = [50, 75, 90, 99, 99.9] as const;

export interface Summary {
  count: number;
  min: number;
  max: number;
  avg: number;
  stddev: number;
  sum: number;
  percentiles: { percentile: number; value: number }[];
  buckets: { start: number; end: number; count: number; percent: number }[];
}

export function summarize(samplesS: number[]): Summary {
  const s = [...samplesS].sort((a, b) => a - b);
  const count = s.length;
  const sum = s.reduce((a, b) => a + b, 0);
  const avg = count ? sum / count : 0;
  const stddev = count ? Math.sqrt(s.reduce((a, b) => a + (b - avg) ** 2, 0) / count) : 0;
  const percentiles = PERCENTILES.map((p) => ({
    percentile: p,
    // Nearest rank: the smallest sample with at least p% of samples at or below it (the epsilon
    // keeps 99.9% of 1000 at rank 999 despite floating point).
    value: count ? s[Math.min(count - 1, Math.max(0, Math.ceil((p * count) / 100 - 1e-9) - 1))]! : 0,
  }));
  const buckets: Summary['buckets'] = [];
  let i = 0;
  let seen = 0;
  let start = count ? s[0]! : 0;
  for (const end of [...BUCKETS_S, Infinity]) {
    let n = 0;
    while (i < count && s[i]! <= end) {
      i++;
      n++;
    }
    if (n) {
      seen += n;
      buckets.push({ start, end: end === Infinity ? s[count - 1]! : end, count: n, percent: (100 * seen) / count });
    }
    if (count && end >= s[0]!) start = end;
  }
  return { count, min: count ? s[0]! : 0, max: count ? s[count - 1]! : 0, avg, stddev, sum, percentiles, buckets };
}

const g = (v: number) => Number(v.toPrecision(6)).toString();

export function renderSummary(title: string, x: Summary): string {
  let out = `${title} : count ${x.count} avg ${g(x.avg)} +/- ${g(x.stddev)} min ${g(x.min)} max ${g(x.max)} sum ${g(x.sum)}\n`;
  if (!x.count) return out;
  out += '# range, mid point, percentile, count\n';
  for (const b of x.buckets) {
    out += `${b === x.buckets[0] ? '>=' : '>'} ${g(b.start)} <= ${g(b.end)} , ${g((b.start + b.end) / 2)} , ${b.percent.toFixed(2)}, ${b.count}\n`;
  }
  for (const p of x.percentiles) out += `# target ${p.percentile}% ${g(p.value)}\n`;
  return out;
}
