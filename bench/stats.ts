/** Order statistics shared by the benches. */

/** The p-th percentile (0–100) by nearest rank, without interpolation: always one of the samples. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** The upper median (NaN for no samples). */
export function median(xs: number[]): number {
  return xs.length === 0 ? NaN : percentile(xs, 50);
}
