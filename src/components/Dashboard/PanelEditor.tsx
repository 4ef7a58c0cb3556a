/** One panel of the learner's dashboard: title, time range, queries A, B, … and their chart. */
import { TIME_RANGES, DashboardLimits, type Panel, type TimeRange } from '../../protocol/dashboard.ts';
import { addQuery, canAddQuery, clampTitle, removeQuery, updateQuery } from './dashboardEdits.ts';
import PanelChart from './PanelChart.tsx';
import QueryRow from './QueryRow.tsx';
import styles from './styles.module.css';

export interface PanelEditorProps {
  panel: Panel;
  onChange: (change: (p: Panel) => Panel) => void;
  onRemove: () => void;
}

export default function PanelEditor({ panel, onChange, onRemove }: PanelEditorProps) {
  const name = panel.title.trim() || 'untitled';
  return (
    <section className={styles.panel} aria-label={`Panel ${name}`} data-panel-id={panel.id} data-testid="dashboard-panel">
      <div className={styles.panelHead}>
        <input
          type="text"
          className={styles.title}
          aria-label="Panel title"
          placeholder="Panel title"
          maxLength={DashboardLimits.MAX_TITLE_CHARS}
          value={panel.title}
          onChange={(e) => onChange((p) => ({ ...p, title: clampTitle(e.target.value) }))}
        />
        <label className={styles.range}>
          Last{' '}
          <select aria-label="Time range" value={panel.timeRange} onChange={(e) => onChange((p) => ({ ...p, timeRange: e.target.value as TimeRange }))}>
            {TIME_RANGES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="button button--sm button--secondary" onClick={onRemove} aria-label={`Remove panel ${name}`}>
          Remove panel
        </button>
      </div>
      <PanelChart panel={panel} />
      {panel.queries.map((q) => (
        <QueryRow
          key={q.refId}
          query={q}
          onChange={(change) => onChange((p) => updateQuery(p, q.refId, change))}
          {...(panel.queries.length > 1 ? { onRemove: () => onChange((p) => removeQuery(p, q.refId)) } : {})}
        />
      ))}
      <button type="button" className="button button--sm button--outline button--primary" onClick={() => onChange(addQuery)} disabled={!canAddQuery(panel)}>
        Add query
      </button>
    </section>
  );
}
