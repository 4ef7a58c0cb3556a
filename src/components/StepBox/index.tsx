/**
 * The frame and header every box of a lesson step shares (a challenge, a panel challenge, a task): its
 * kind, its title and, once done, a Done badge; the border turns green then. The box is labelled by its
 * title; other attributes (`data-*`) go on the box.
 */
import type { HTMLAttributes, ReactNode } from 'react';
import styles from './styles.module.css';

export interface StepBoxProps extends Omit<HTMLAttributes<HTMLElement>, 'title'> {
  /** `section` when the box is the step's own landmark, else `div` (inside one). */
  as: 'div' | 'section';
  kind: 'Challenge' | 'Task';
  title: ReactNode;
  /** The heading's id, which labels the box. */
  titleId: string;
  passed: boolean;
  /** The Done badge's test id (what tests and lesson validation wait for). */
  doneTestId: string;
  children: ReactNode;
}

export default function StepBox({ as: Box, kind, title, titleId, passed, doneTestId, className, children, ...rest }: StepBoxProps) {
  return (
    <Box {...rest} className={className ? `${styles.box} ${className}` : styles.box} aria-labelledby={titleId} data-passed={passed}>
      <div className={styles.header}>
        <h3 id={titleId} className={styles.title}>
          <span className={styles.kicker}>{kind}</span> {title}
        </h3>
        {passed && (
          <span className={styles.doneBadge} data-testid={doneTestId}>
            <span aria-hidden="true">✓ </span>Done
          </span>
        )}
      </div>
      {children}
    </Box>
  );
}
