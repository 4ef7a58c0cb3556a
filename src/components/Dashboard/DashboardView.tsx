/**
 * The live part of <Dashboard>: the learner's panels from dashboardStore (loaded from the gateway, saved
 * back after each pause in editing), a save state that says where the last edit stands, and the
 * Grafana export. Loaded lazily with the PromQL editor and the chart.
 */
import type { MouseEvent } from 'react';
import { grafanaExportPath } from '../../protocol/dashboard.ts';
import { addPanel, canAddPanel, removePanel, updatePanel } from './dashboardEdits.ts';
import { editDashboard, loadDashboard, saveDashboard, useDashboard, type SaveState } from './dashboardStore.ts';
import PanelEditor from './PanelEditor.tsx';
import Message from '../promql/Message.tsx';
import styles from './styles.module.css';

export default function DashboardView({ id, title }: { id: string; title?: string }) {
  const entry = useDashboard(id);
  const d = entry.dashboard;
  const exportPath = grafanaExportPath(id);

  // The export is of what the server holds: an edit still waiting is sent first.
  const exportClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (entry.save.kind !== 'pending' && entry.save.kind !== 'saving') return;
    e.preventDefault();
    void saveDashboard(id).then(() => window.location.assign(exportPath));
  };

  if (!d) {
    return (
      <div className={styles.dashboard}>
        {entry.loadError ? (
          <p role="alert" className={styles.problem}>
            Could not load your dashboard: <Message text={entry.loadError} />{' '}
            <button type="button" className="button button--sm button--link" onClick={() => void loadDashboard(id, true)}>
              Try again
            </button>
          </p>
        ) : (
          <p className={styles.status}>Loading your dashboard…</p>
        )}
      </div>
    );
  }

  return (
    <div className={styles.dashboard} data-testid="dashboard" data-source={entry.source} data-version={d.version}>
      <div className={styles.toolbar}>
        {title && <h3 className={styles.heading}>{title}</h3>}
        <SaveStatus save={entry.save} onReload={() => void loadDashboard(id, true)} />
        <a className="button button--sm button--secondary" href={exportPath} download={`patchbay-${id}.grafana.json`} onClick={exportClick}>
          Export for Grafana
        </a>
      </div>
      {d.panels.length === 0 && <p className={styles.status}>No panels yet: add one, then write its queries.</p>}
      {d.panels.map((p) => (
        <PanelEditor key={`${entry.loads}-${p.id}`} panel={p} onChange={(change) => editDashboard(id, (x) => updatePanel(x, p.id, change))} onRemove={() => editDashboard(id, (x) => removePanel(x, p.id))} />
      ))}
      <button type="button" className="button button--primary" onClick={() => editDashboard(id, (x) => addPanel(x))} disabled={!canAddPanel(d)}>
        Add panel
      </button>
    </div>
  );
}

function SaveStatus({ save, onReload }: { save: SaveState; onReload: () => void }) {
  if (save.kind === 'error') {
    return (
      <span role="alert" className={styles.saveError} data-testid="dashboard-save" data-state="error">
        Not saved: <Message text={save.message} />
        {save.conflict && (
          <>
            {' '}
            <button type="button" className="button button--sm button--link" onClick={onReload}>
              Load the saved version
            </button>
          </>
        )}
      </span>
    );
  }
  const text = { unchanged: '', pending: 'Unsaved changes…', saving: 'Saving…', saved: 'Saved' }[save.kind];
  return (
    <span role="status" aria-live="polite" className={styles.saveState} data-testid="dashboard-save" data-state={save.kind}>
      {text}
    </span>
  );
}
