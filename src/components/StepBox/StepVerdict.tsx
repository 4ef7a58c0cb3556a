/**
 * The verdict box of a lesson step's check (challenge, panel challenge, task), coloured by its tone:
 * pass, fail (the learner's answer differs), error (could not check) or notice (not the learner's
 * mistake: the lab has yet to produce what the question is about). Other attributes (`data-*`) go on
 * the box.
 */
import type { HTMLAttributes, ReactNode } from 'react';
import styles from './styles.module.css';

export type VerdictTone = 'pass' | 'fail' | 'error' | 'notice';

const TONE_CLASS: Record<VerdictTone, string | undefined> = {
  pass: styles.verdictPass,
  fail: styles.verdictFail,
  error: styles.verdictError,
  notice: styles.verdictNotice,
};

export interface StepVerdictProps extends HTMLAttributes<HTMLDivElement> {
  tone: VerdictTone;
  children: ReactNode;
}

export default function StepVerdict({ tone, className, children, ...rest }: StepVerdictProps) {
  const classes = [styles.verdict, TONE_CLASS[tone], className].filter(Boolean).join(' ');
  return (
    <div {...rest} className={classes}>
      {children}
    </div>
  );
}
