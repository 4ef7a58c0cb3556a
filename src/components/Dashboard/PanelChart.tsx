/**
 * A panel's chart: all its queries as range queries through the gateway (promql/rangeQuery.ts, so
 * `$__rate_interval` is substituted as every graph does), drawn together in one SeriesChart with each
 * query's legend. Refreshes every GraphDefaults.REFRESH_SECONDS while on screen and the tab visible
 * (useVisible), waits for the learner to pause typing before asking, keeps the last good data on a
 * transient failure, and says which query failed and why.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Panel } from '../../protocol/dashboard.ts';
import { resolveGraphSettings } from '../../protocol/graphQuery.ts';
import { graphQuery } from '../promql/rangeQuery.ts';
import { useVisible } from '../promql/useVisible.ts';
import SeriesChart from '../promql/LazySeriesChart.tsx';
import Message from '../promql/Message.tsx';
import type { AlignedSeries } from '../promql/alignSeries.ts';
import { panelSeries } from './panelSeries.ts';
import styles from './styles.module.css';

/** A pause in typing this long before the chart asks Prometheus about the new queries. */
export const QUERY_SETTLE_MS = 600;

interface QueryData {
  refId: string;
  data: AlignedSeries;
}

interface Problem {
  refId: string;
  kind: string;
  message: string;
}

export default function PanelChart({ panel }: { panel: Panel }) {
  const box = useRef<HTMLDivElement>(null);
  const visible = useVisible(box);
  const queries = useSettled(
    panel.queries.filter((q) => q.expr.trim() !== ''),
    QUERY_SETTLE_MS,
  );
  const settings = useMemo(() => resolveGraphSettings({ window: panel.timeRange }), [panel.timeRange]);
  const [results, setResults] = useState<QueryData[] | undefined>();
  const [problems, setProblems] = useState<Problem[]>([]);
  // The queries' text: what a request depends on (legends only rename, below, without a request).
  const key = JSON.stringify(queries.map((q) => [q.refId, q.expr]));

  useEffect(() => {
    if (!visible || queries.length === 0) return;
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      const answers = await Promise.all(queries.map((q) => graphQuery(q.expr, settings, abort.signal)));
      if (abort.signal.aborted) return;
      const ok: QueryData[] = [];
      const failed: Problem[] = [];
      answers.forEach((r, i) => {
        const refId = queries[i]!.refId;
        if (r.ok) ok.push({ refId, data: r.data });
        else if (r.kind !== 'aborted') failed.push({ refId, kind: r.kind, message: r.message });
      });
      // A query that failed draws nothing; the others do. When every query failed the last good chart stays.
      if (ok.length > 0 || failed.length === 0) setResults(ok);
      setProblems(failed);
      timer = setTimeout(() => void poll(), settings.refreshSeconds * 1000);
    };
    void poll();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `key` is the queries' text
  }, [visible, key, settings]);

  // Each query's series named by its current legend: a legend edit shows at once.
  const named = useMemo(() => {
    if (!results) return undefined;
    const byRef = new Map(panel.queries.map((q) => [q.refId, q]));
    return panelSeries(results.map((r) => ({ query: byRef.get(r.refId) ?? { refId: r.refId, legendMode: 'auto' as const }, data: r.data })));
  }, [results, panel.queries]);

  const empty = queries.length === 0;
  const state = empty ? 'empty' : problems.length > 0 ? 'error' : named ? 'ok' : 'loading';
  return (
    <div ref={box} className={styles.chartBox} data-testid="panel-chart" data-state={state}>
      {empty && <p className={styles.status}>Write a query to see it here.</p>}
      {!empty && named === undefined && problems.length === 0 && <p className={styles.status}>Loading…</p>}
      {!empty && named !== undefined && named.data.series.length === 0 && problems.length === 0 && (
        <p className={styles.status}>No data yet for these queries in the last {panel.timeRange}.</p>
      )}
      {!empty && named !== undefined && named.data.series.length > 0 && <SeriesChart data={named.data} names={named.names} label={panel.title || 'Panel'} />}
      {problems.map((p) => (
        <p key={p.refId} className={styles.problem} role="status">
          {p.kind === 'query' ? `Query ${p.refId} failed: ` : p.kind === 'not-ready' ? "Waiting for the lab's Prometheus: " : `Query ${p.refId}: `}
          <Message text={p.message} />
        </p>
      ))}
    </div>
  );
}

/** The value once it has stopped changing for `ms` (compared by JSON, so a new array of the same queries is no change). */
function useSettled<T>(value: T, ms: number): T {
  const text = JSON.stringify(value);
  const [settled, setSettled] = useState(value);
  const latest = useRef(value);
  latest.current = value;
  useEffect(() => {
    const t = setTimeout(() => setSettled(latest.current), ms);
    return () => clearTimeout(t);
  }, [text, ms]);
  return settled;
}
