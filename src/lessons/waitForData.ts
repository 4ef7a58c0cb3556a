/** Waiting for the lab's Prometheus to have data: every target up, with a given number of samples. */
import { LessonRunDefaults } from './runTypes.ts';

/** Waits until every scrape target is up and has a few samples, so the first `rate()` has data. */
export async function waitForData(prometheusUrl: string, minSamples: number = LessonRunDefaults.MIN_SAMPLES_PER_TARGET): Promise<{ ok: true } | { ok: false; message: string }> {
  const deadline = Date.now() + LessonRunDefaults.DATA_WAIT_MS;
  const base = prometheusUrl.replace(/\/+$/, '');
  const query = async (q: string): Promise<number | null> => {
    try {
      const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}`, { signal: AbortSignal.timeout(5_000) });
      const body = (await res.json()) as { data?: { result?: { value: [number, string] }[] } };
      const v = body.data?.result?.[0]?.value[1];
      return v === undefined ? null : Number(v);
    } catch {
      return null;
    }
  };
  let last = 'Prometheus did not answer';
  while (Date.now() < deadline) {
    const down = await query('count(up == 0)');
    const samples = await query('min(count_over_time(up[10m]))');
    if (samples !== null && samples >= minSamples && down === null) return { ok: true };
    last = down !== null ? `${down} scrape target(s) down` : `only ${samples ?? 0} samples per target so far`;
    await new Promise((r) => setTimeout(r, LessonRunDefaults.DATA_POLL_MS));
  }
  return { ok: false, message: `${last} after ${LessonRunDefaults.DATA_WAIT_MS / 1000} s` };
}
