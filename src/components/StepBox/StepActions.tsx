/** The row of a lesson step's buttons (Check, Show answer, Explain…), spaced the same in every box. */
import type { ReactNode } from 'react';
import styles from './styles.module.css';

export default function StepActions({ children }: { children: ReactNode }) {
  return <div className={styles.actions}>{children}</div>;
}
