/**
 * Prometheus durations (`90s`, `5m`, `1h30m`) for the attributes of graphs, in seconds.
 * A value that does not parse is `undefined`, so the caller can fall back to its default and say so.
 */
const UNIT_SECONDS = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 } as const;
type Unit = keyof typeof UNIT_SECONDS;

const PART = /(\d+)(ms|s|m|h|d|w|y)/y;

export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < s.length) {
    const at = PART.lastIndex;
    const m = PART.exec(s);
    if (m === null || m.index !== at) return undefined;
    total += Number(m[1]) * UNIT_SECONDS[m[2] as Unit];
  }
  return total > 0 ? total : undefined;
}
