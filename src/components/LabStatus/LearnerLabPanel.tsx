/**
 * What the learner must know about their own lab instance, as a notice in the corner of the page:
 * their place in the queue while they wait; a warning before an idle reclaim with "Stay"; after a
 * reclaim, that the lab was reclaimed (and "Start my lab"), then that the next one is fresh; and
 * "Reset my lab", behind a confirmation. Rendered once, by the navbar's lab status.
 */
import { useEffect, useState } from 'react';
import { LEARNER_LAB_PATH, LEARNER_LAB_RESET_PATH, LEARNER_LAB_STAY_PATH, endedWords, formatMinutes, type LearnerLabStatus } from '../../protocol/learnerLab.ts';
import { callApi } from '../api/apiClient.ts';
import { refreshHealth, useHealth } from './healthStore.ts';
import styles from './styles.module.css';

/** Instances whose "fresh lab" notice the learner closed (this tab). */
const DISMISSED_KEY = 'patchbay:freshLabSeen';

function dismissed(): string[] {
  try {
    return JSON.parse(sessionStorage.getItem(DISMISSED_KEY) ?? '[]') as string[];
  } catch {
    return [];
  }
}

async function act(path: string): Promise<string | null> {
  const r = await callApi<LearnerLabStatus>(path, { method: 'POST' });
  refreshHealth();
  return r.ok ? null : r.error.message;
}

function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now()); // the clock was idle until now: start from the present, not from the last tick
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export default function LearnerLabPanel() {
  const view = useHealth();
  const mine = view.kind === 'ok' ? view.health.learnerLab : undefined;
  const [confirming, setConfirming] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [seen, setSeen] = useState<string[]>([]);
  useEffect(() => setSeen(dismissed()), []);
  const now = useNow(mine?.warning !== undefined);
  if (!mine) return null;

  const run = (path: string) => void act(path).then(setProblem);
  const notices: React.ReactNode[] = [];
  if (mine.phase === 'queued' && mine.queue) {
    const q = mine.queue;
    const when = q.problem ? `labs are failing to start (${q.problem})` : q.estimateSeconds === null ? 'no estimate yet' : `about ${formatMinutes(q.estimateSeconds)}`;
    notices.push(
      <p key="queue" data-testid="lab-queue">
        Every lab is in use: you are <strong>number {q.place}</strong> in the queue ({when}). Your lab starts as soon as one is free.
      </p>,
    );
  }
  if (mine.warning) {
    const left = (mine.warning.reclaimAt - now) / 1000;
    notices.push(
      <p key="warn" data-testid="lab-warning">
        {mine.warning.reason === 'idle'
          ? `Your lab will be reclaimed in ${clock(left)} because nothing happened in it for a while.`
          : `Your lab reaches its maximum lifetime in ${clock(left)}; you will get a fresh one.`}{' '}
        {mine.warning.reason === 'idle' && (
          <button type="button" className={styles.action} onClick={() => run(LEARNER_LAB_STAY_PATH)}>
            Stay
          </button>
        )}
      </p>,
    );
  }
  if (mine.phase === 'none' && mine.reclaimed) {
    notices.push(
      <p key="reclaimed" data-testid="lab-reclaimed">
        Your lab was reclaimed {endedWords(mine.reclaimed.reason, mine.idleSeconds)}. Open a terminal, or{' '}
        <button type="button" className={styles.action} onClick={() => run(LEARNER_LAB_PATH)}>
          Start my lab
        </button>{' '}
        for a fresh one.
      </p>,
    );
  }
  if (mine.fresh && mine.instance && !seen.includes(mine.instance)) {
    const instance = mine.instance;
    const why = mine.fresh.reason === 'after-reset' ? 'you reset it' : `the one before was reclaimed ${endedWords(mine.fresh.endedBy ?? 'idle', mine.idleSeconds)}`;
    notices.push(
      <p key="fresh" data-testid="lab-fresh">
        This is a fresh lab: {why}. Files and changes from before are gone.{' '}
        <button
          type="button"
          className={styles.action}
          onClick={() => {
            const next = [...seen, instance];
            sessionStorage.setItem(DISMISSED_KEY, JSON.stringify(next.slice(-20)));
            setSeen(next);
          }}
        >
          OK
        </button>
      </p>,
    );
  }
  if (confirming && mine.phase === 'ready') {
    notices.push(
      <p key="reset" data-testid="lab-reset-confirm">
        Reset your lab? Its terminals end and everything you changed in it is gone.{' '}
        <button
          type="button"
          className={styles.action}
          onClick={() => {
            setConfirming(false);
            run(LEARNER_LAB_RESET_PATH);
          }}
        >
          Reset
        </button>{' '}
        <button type="button" className={styles.action} onClick={() => setConfirming(false)}>
          Cancel
        </button>
      </p>,
    );
  }
  return (
    <>
      {mine.phase === 'ready' && !confirming && (
        <button type="button" className={styles.reset} onClick={() => setConfirming(true)} title="A fresh instance of the lab in place of yours">
          Reset my lab
        </button>
      )}
      {(notices.length > 0 || problem) && (
        <div className={styles.panel} role="status" aria-live="polite" data-testid="learner-lab">
          {notices}
          {problem && <p className={styles.problem}>{problem}</p>}
        </div>
      )}
    </>
  );
}
