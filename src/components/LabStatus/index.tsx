/**
 * The lab's state at a glance: starting, ready, degraded (with the failing process), no lab.
 * Used as a navbar item (type `custom-labStatus`) and, compact, in the terminal dock's header.
 */
import clsx from 'clsx';
import { summarize, useHealth } from './healthStore.ts';
import styles from './styles.module.css';

export interface LabStatusProps {
  compact?: boolean;
  /** Navbar items receive layout props from Docusaurus; ignored. */
  mobile?: boolean;
  className?: string;
}

export default function LabStatus({ compact, className }: LabStatusProps) {
  const summary = summarize(useHealth());
  return (
    <span
      className={clsx(styles.status, compact && styles.compact, styles[summary.tone], className)}
      title={summary.detail}
      role="status"
      aria-live="polite"
      data-testid="lab-status"
      data-tone={summary.tone}
    >
      <span className={styles.dot} aria-hidden />
      {summary.label}
    </span>
  );
}
