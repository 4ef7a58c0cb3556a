/**
 * The live part of <MetricsGraph>: polls a range query through the gateway while on screen, keeps the
 * last good data on a transient failure, and says plainly when the lab is not ready or the query fails.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { graphQuery, type RangeQueryResult } from '../promql/rangeQuery.ts';
import type { AlignedSeries } from '../promql/alignSeries.ts';
import { useVisible } from '../promql/useVisible.ts';
import SeriesChart from '../promql/LazySeriesChart.tsx';
import Message from '../promql/Message.tsx';
import { resolveGraphSettings } from '../../protocol/graphQuery.ts';
import type { MetricsGraphProps } from './index.tsx';
import styles from './styles.module.css';

type Failure = Extract<RangeQueryResult, { ok: false }>;

export default function LiveGraph({ query, title, legend, window, step, refresh }: MetricsGraphProps) {
  const settings = useMemo(() => resolveGraphSettings({ window, step, refresh }), [window, step, refresh]);
  const box = useRef<HTMLElement>(null);
  const visible = useVisible(box);
  const [data, setData] = useState<AlignedSeries | undefined>();
  const [failure, setFailure] = useState<Failure | undefined>();

  useEffect(() => {
    if (!visible) return;
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      const r = await graphQuery(query, settings, abort.signal);
      if (abort.signal.aborted) return;
      if (r.ok) {
        setData(r.data);
        setFailure(undefined);
      } else if (r.kind !== 'aborted') {
        setFailure(r);
      }
      timer = setTimeout(() => void poll(), settings.refreshSeconds * 1000);
    };
    void poll();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [visible, query, settings]);

  const heading = title ?? query;
  return (
    <figure ref={box} className={styles.graph} data-testid="metrics-graph" data-state={failure ? failure.kind : data ? 'ok' : 'loading'}>
      <figcaption className={styles.title}>
        {heading}
        {title && <code className={styles.query}>{query}</code>}
      </figcaption>
      {failure && (
        <p className={styles.problem} role="status">
          {failure.kind === 'query' ? (
            <>
              The query failed: <Message text={failure.message} />
            </>
          ) : (
            <>
              {failure.kind === 'not-ready' ? "Waiting for the lab's Prometheus: " : ''}
              <Message text={sentence(failure.message)} /> Retrying every {settings.refreshSeconds} s.
            </>
          )}
        </p>
      )}
      {data === undefined && !failure && <p className={styles.status}>Loading…</p>}
      {data !== undefined && data.series.length === 0 && <p className={styles.status}>No data yet for this query in the last {settings.windowSeconds} s.</p>}
      {data !== undefined && data.series.length > 0 && <SeriesChart data={data} legend={legend} label={heading} />}
      {settings.problems.map((p) => (
        <p key={p} className={styles.problem}>
          {p}
        </p>
      ))}
    </figure>
  );
}

/** Server messages may lack a full stop; the retry note follows as its own sentence. */
function sentence(text: string): string {
  return /[.!?]$/.test(text.trim()) ? text : `${text.trim()}.`;
}
