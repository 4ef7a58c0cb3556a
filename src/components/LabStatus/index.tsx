/**
 * The lab's state at a glance: starting, ready, degraded (with the failing process), no lab; with a lab
 * per learner, the learner's own (queued, reclaimed), and beside it their lab's notices and actions.
 * Used as a navbar item (type `custom-labStatus`) and, compact, in the terminal dock's header.
 */
import clsx from 'clsx';
import { summarize, useHealth } from './healthStore.ts';
import LearnerLabPanel from './LearnerLabPanel.tsx';
import styles from './styles.module.css';

export interface LabStatusProps {
  compact?: boolean;
  /** Navbar items receive layout props from Docusaurus; ignored. */
  mobile?: boolean;
  className?: string;
}

export default function LabStatus({ compact, mobile, className }: LabStatusProps) {
  const summary = summarize(useHealth());
  const pill = (
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
  // The learner's own lab (queue, warning, reclaim, reset) is told once, by the navbar's indicator.
  if (compact || mobile) return pill;
  return (
    <>
      {pill}
      <LearnerLabPanel />
    </>
  );
}
