/**
 * PromQL durations (`1m30s`, `90s`, `1h`) to and from seconds: one parser for the checker, the graphs'
 * attributes and Grafana's variables.
 */

const UNIT_SECONDS = { y: 365 * 86400, w: 7 * 86400, d: 86400, h: 3600, m: 60, s: 1, ms: 0.001 } as const;
type Unit = keyof typeof UNIT_SECONDS;

/** Seconds for a PromQL duration (`5m`, `1h30m`, `0s`), or null if the text is not one. */
export function parseDuration(text: string): number | null {
  // `ms` before `m`, so `500ms` is not read as 500 minutes and a stray `s`.
  const re = /(\d+)(ms|y|w|d|h|m|s)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * UNIT_SECONDS[m[2] as Unit];
    matched = re.lastIndex;
  }
  return matched === text.length && text.length > 0 ? total : null;
}

/** The shortest PromQL text for a whole number of seconds (milliseconds when fractional). */
export function formatDuration(seconds: number): string {
  if (!Number.isInteger(seconds)) return `${Math.round(seconds * 1000)}ms`;
  if (seconds === 0) return '0s';
  let rest = seconds;
  let out = '';
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}
