/**
 * The learner's result beside the expected one, from the series in the check response (bounded by the
 * server). Each side says plainly when it has no data or was cut to the first series.
 */
import type { CheckResponse, SeriesSet } from '../../protocol/challenges.ts';
import SeriesChart from '../promql/LazySeriesChart.tsx';
import styles from './styles.module.css';

export default function ResultGraphs({ response }: { response: CheckResponse }) {
  if (!response.answer && !response.expected) return null;
  return (
    <div className={styles.graphs} data-testid="challenge-graphs">
      <Side title="Your result" set={response.answer} />
      <Side title="Expected" set={response.expected} />
    </div>
  );
}

function Side({ title, set }: { title: string; set: SeriesSet | undefined }) {
  return (
    <figure className={styles.graph}>
      <figcaption className={styles.graphTitle}>{title}</figcaption>
      {!set || set.series.length === 0 ? (
        <p className={styles.noData}>No data: the query returned no series over the evaluation window.</p>
      ) : (
        <>
          <SeriesChart data={set} label={title} height={160} />
          {set.truncated && (
            <p className={styles.note}>
              Showing {set.series.length} of {set.totalSeries} series.
            </p>
          )}
        </>
      )}
    </figure>
  );
}
