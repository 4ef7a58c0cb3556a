/**
 * One query of a panel: its refId, the PromQL editor (the same as a challenge's: completion and lint
 * against the lab), and its legend: Grafana's modes auto, verbose and custom with a `{{label}}` template.
 */
import { useId } from 'react';
import type { LegendMode, PanelQuery } from '../../protocol/dashboard.ts';
import { DashboardLimits } from '../../protocol/dashboard.ts';
import PromQLEditor from '../promql/PromQLEditor.tsx';
import styles from './styles.module.css';

const LEGEND_MODES: readonly { mode: LegendMode; label: string }[] = [
  { mode: 'auto', label: 'Auto (labels that tell series apart)' },
  { mode: 'verbose', label: 'Verbose (full series name)' },
  { mode: 'custom', label: 'Custom ({{label}} template)' },
];

export interface QueryRowProps {
  query: PanelQuery;
  onChange: (change: Partial<Omit<PanelQuery, 'refId'>>) => void;
  onRemove?: () => void;
}

export default function QueryRow({ query, onChange, onRemove }: QueryRowProps) {
  const base = useId().replace(/:/g, '');
  const labelId = `${base}-label`;
  const { refId } = query;
  return (
    <div className={styles.query} role="group" aria-label={`Query ${refId}`} data-ref-id={refId}>
      <div className={styles.queryHead}>
        <span id={labelId} className={styles.refId}>
          Query {refId}
        </span>
        {onRemove && (
          <button type="button" className="button button--sm button--link" onClick={onRemove} aria-label={`Remove query ${refId}`}>
            Remove
          </button>
        )}
      </div>
      <div className={styles.editor}>
        <PromQLEditor initialValue={query.expr} onChange={(expr) => onChange({ expr })} onSubmit={() => undefined} labelledBy={labelId} placeholder="e.g. envoy_listener_downstream_cx_active" />
      </div>
      <div className={styles.legendRow}>
        <label>
          Legend{' '}
          <select
            aria-label={`Legend mode of query ${refId}`}
            value={query.legendMode}
            onChange={(e) => {
              const legendMode = e.target.value as LegendMode;
              // Grafana starts a custom legend from a template to edit; ours keeps one typed before.
              onChange(legendMode === 'custom' ? { legendMode, legendFormat: query.legendFormat ?? '' } : { legendMode });
            }}
          >
            {LEGEND_MODES.map((m) => (
              <option key={m.mode} value={m.mode}>
                {m.label}
              </option>
            ))}
          </select>
        </label>
        {query.legendMode === 'custom' && (
          <input
            type="text"
            className={styles.template}
            aria-label={`Legend template of query ${refId}`}
            placeholder="{{label_name}}"
            maxLength={DashboardLimits.MAX_LEGEND_CHARS}
            value={query.legendFormat ?? ''}
            spellCheck={false}
            onChange={(e) => onChange({ legendFormat: e.target.value })}
          />
        )}
      </div>
    </div>
  );
}
