/**
 * `<Challenge id="…"/>`: a PromQL challenge in a lesson (global in MDX). This shell is light and goes
 * into every page; the editor, charts and markdown renderer load only when a page has a challenge
 * (React.lazy inside BrowserOnly), so lessons without one stay small.
 */
import { Suspense, lazy, useEffect } from 'react';
import BrowserOnly from '@docusaurus/BrowserOnly';
import { registerChallenge } from './challengeStore.ts';
import { challengeAnchor } from './anchor.ts';
import LoadBoundary from '../promql/LoadBoundary.tsx';
import styles from './styles.module.css';

const ChallengePanel = lazy(() => import('./ChallengePanel.tsx'));
const PanelChallengePanel = lazy(() => import('./PanelChallengePanel.tsx'));

export interface ChallengeProps {
  /** Challenge id in the lab's challenges file. */
  id: string;
  /** For a panel challenge (kind `panel`): the <Dashboard id> whose panel it grades. */
  dashboard?: string;
  /** For a panel challenge: the title of the panel to check (the learner may pick another). */
  panel?: string;
}

export default function Challenge({ id, dashboard, panel }: ChallengeProps) {
  useEffect(() => registerChallenge(id), [id]);
  const loading = <p className={styles.loading}>Loading challenge {id}…</p>;
  return (
    <section id={challengeAnchor(id)} className={styles.challenge} data-challenge={id}>
      <BrowserOnly fallback={loading}>
        {() => (
          <LoadBoundary what="the challenge editor">
            <Suspense fallback={loading}>
              {dashboard !== undefined ? <PanelChallengePanel id={id} dashboard={dashboard} {...(panel !== undefined && { panel })} /> : <ChallengePanel id={id} />}
            </Suspense>
          </LoadBoundary>
        )}
      </BrowserOnly>
    </section>
  );
}
