/**
 * The PromQL editor with its "Metrics" button beside it and, once pressed, the metrics browser below it.
 * The button comes first, at the editor's left as in Grafana's query editor, so Tab from the editor still
 * goes on to what follows it (a challenge's Check).
 * PromQLEditor wraps its CodeMirror host in this and passes how to insert text at its cursor, so every
 * editor (a challenge's, a dashboard query's) gets the browser.
 */
import { useRef, useState, type ReactNode } from 'react';
import MetricsBrowser, { useBrowserId } from './MetricsBrowser.tsx';
import styles from './styles.module.css';

export interface MetricsBrowserFrameProps {
  /** The editor itself. */
  children: ReactNode;
  /** Inserts text at the editor's cursor and gives the editor the focus. */
  onInsert: (text: string) => void;
}

export default function MetricsBrowserFrame({ children, onInsert }: MetricsBrowserFrameProps) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const id = useBrowserId();
  return (
    <div className={styles.frame}>
      <div className={styles.row}>
        <button
          ref={button}
          type="button"
          className={styles.toggle}
          aria-expanded={open}
          aria-controls={open ? id : undefined}
          title="Browse the lab's metrics, their labels and values, and insert a selector or a rate query"
          onClick={() => setOpen((o) => !o)}
        >
          Metrics
        </button>
        <div className={styles.editorCell}>{children}</div>
      </div>
      {open && (
        <MetricsBrowser
          id={id}
          onClose={() => {
            setOpen(false);
            button.current?.focus();
          }}
          onUse={(text) => {
            setOpen(false);
            onInsert(text);
          }}
        />
      )}
    </div>
  );
}
