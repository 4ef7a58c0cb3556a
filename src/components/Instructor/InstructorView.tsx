/**
 * The instructor's view: sign in with the operator's token, then the roster, polled every
 * ROSTER_POLL_MS (each learner's name, lab and its health, lesson, progress, last activity and
 * terminals), a read-only view of any learner's terminal, end or reset of a learner's lab after a
 * confirmation, and the progress CSV. Every request goes through the API client.
 */
import { lazy, Suspense, useCallback, useEffect, useState, type FormEvent } from 'react';
import { callApi, type ClientError } from '../api/apiClient.ts';
import {
  INSTRUCTOR_PATHS,
  ROSTER_POLL_MS,
  learnerActionPath,
  type InstructorLearner,
  type InstructorRoster,
  type LearnerActionResult,
} from '../../protocol/instructor.ts';
import styles from './styles.module.css';

const ReadOnlyTerminal = lazy(() => import('./ReadOnlyTerminal.tsx'));

type Load = { kind: 'loading' } | { kind: 'sign-in'; error: string | null } | { kind: 'ready'; roster: InstructorRoster; error: string | null };

export default function InstructorView() {
  const [load, setLoad] = useState<Load>({ kind: 'loading' });
  const [watching, setWatching] = useState<{ key: string; name: string; terminalId: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const refresh = useCallback(async (signal?: AbortSignal) => {
    const got = await callApi<InstructorRoster>(INSTRUCTOR_PATHS.roster, { cache: 'no-store', ...(signal && { signal }) });
    if (got.ok) setLoad({ kind: 'ready', roster: got.value, error: null });
    else if (got.error.code === 'PB_NOT_INSTRUCTOR') setLoad({ kind: 'sign-in', error: null });
    else if (got.error.code !== 'PB_ABORTED') setLoad((l) => (l.kind === 'ready' ? { ...l, error: got.error.message } : { kind: 'sign-in', error: got.error.message }));
  }, []);

  // A poll, not server-sent events: most of what changes (progress, lessons, last seen) is written to the
  // database without an event, so the server would poll anyway; one instructor's poll is one query.
  useEffect(() => {
    if (load.kind === 'sign-in') return;
    const controller = new AbortController();
    void refresh(controller.signal);
    const timer = setInterval(() => void refresh(controller.signal), ROSTER_POLL_MS);
    return () => {
      clearInterval(timer);
      controller.abort();
    };
  }, [load.kind, refresh]);

  const signIn = async (token: string) => {
    const got = await callApi<{ ok: true }>(INSTRUCTOR_PATHS.signIn, { method: 'POST', body: { token } });
    if (got.ok) setLoad({ kind: 'loading' });
    else setLoad({ kind: 'sign-in', error: message(got.error) });
  };

  const act = async (learner: InstructorLearner, action: 'reset' | 'end') => {
    const got = await callApi<LearnerActionResult>(learnerActionPath(action, learner.key), { method: 'POST' });
    const who = learner.name ?? learner.key.slice(0, 8);
    setNotice(got.ok ? `${who}: ${got.value.message}` : `${who}: ${message(got.error)}`);
    void refresh();
  };

  if (load.kind === 'loading') return <p>Loading the roster…</p>;
  if (load.kind === 'sign-in') return <SignIn onSignIn={signIn} error={load.error} />;
  const { roster } = load;
  return (
    <div className={styles.view}>
      <header className={styles.header}>
        <h1>Classroom</h1>
        <span className={styles.summary} data-testid="pool-summary">
          {roster.learners.length} learner{roster.learners.length === 1 ? '' : 's'}
          {roster.pool && ` · ${roster.pool.assigned} of ${roster.pool.maxInstances} labs in use · ${roster.pool.waiting} waiting · ${roster.pool.warm} warm`}
        </span>
        <a className="button button--secondary button--sm" href={INSTRUCTOR_PATHS.progressCsv} download data-testid="progress-csv">
          Download progress (CSV)
        </a>
      </header>
      {load.error && <p className={styles.error}>Roster not refreshed: {load.error}</p>}
      {notice && (
        <p className={styles.notice} role="status" data-testid="notice">
          {notice}
        </p>
      )}
      <table className={styles.roster} data-testid="roster">
        <thead>
          <tr>
            <th>Learner</th>
            <th>Lab</th>
            <th>Lesson</th>
            <th>Challenges</th>
            <th>Last activity</th>
            <th>Terminals</th>
            <th>Lab actions</th>
          </tr>
        </thead>
        <tbody>
          {roster.learners.map((l) => (
            <LearnerRow
              key={l.key}
              learner={l}
              now={roster.now}
              hasPool={roster.pool !== null}
              onWatch={(terminalId) => setWatching({ key: l.key, name: l.name ?? l.key.slice(0, 8), terminalId })}
              onAction={(action) => void act(l, action)}
            />
          ))}
        </tbody>
      </table>
      {watching && (
        <section className={styles.watch} data-testid="watch">
          <header className={styles.header}>
            <h2>
              {watching.name} · {watching.terminalId}
            </h2>
            <button type="button" className="button button--sm button--outline button--secondary" onClick={() => setWatching(null)}>
              Stop watching
            </button>
          </header>
          <Suspense fallback={<p>Loading the terminal…</p>}>
            <ReadOnlyTerminal key={`${watching.key}/${watching.terminalId}`} learnerKey={watching.key} terminalId={watching.terminalId} />
          </Suspense>
        </section>
      )}
    </div>
  );
}

function SignIn({ onSignIn, error }: { onSignIn: (token: string) => Promise<void>; error: string | null }) {
  const [token, setToken] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void onSignIn(token);
  };
  return (
    <form className={styles.signIn} onSubmit={submit} data-testid="instructor-sign-in">
      <h1>Instructor</h1>
      <p>
        This view needs the operator&apos;s token, the one the server printed at start: the admin token in hosted mode
        (<code>var/auth/admin-token</code>), the sign-in token otherwise (<code>var/auth/sign-in-token</code>).
      </p>
      <input type="password" autoComplete="off" aria-label="Operator token" value={token} onChange={(e) => setToken(e.target.value)} />
      <button type="submit" className="button button--primary">
        Sign in as instructor
      </button>
      {error && <p className={styles.error}>{error}</p>}
    </form>
  );
}

interface LearnerRowProps {
  learner: InstructorLearner;
  now: number;
  hasPool: boolean;
  onWatch: (terminalId: string) => void;
  onAction: (action: 'reset' | 'end') => void;
}

function LearnerRow({ learner: l, now, hasPool, onWatch, onAction }: LearnerRowProps) {
  const [confirming, setConfirming] = useState<'reset' | 'end' | null>(null);
  const last = Math.max(l.lastSeenAt ?? 0, l.lastActivityAt ?? 0);
  const p = l.progress;
  return (
    <tr data-testid="learner" data-learner={l.key} data-name={l.name ?? ''}>
      <td>
        <strong>{l.name ?? <em>unnamed</em>}</strong>
        {l.revoked && <span className={styles.badge}>signed out</span>}
        <div className={styles.dim}>{l.address ?? ''}</div>
      </td>
      <td data-testid="instance">
        {l.instance ? (
          <>
            <span className={styles.health} data-health={l.instance.health ?? 'none'} />
            {l.instance.state === 'waiting' ? `waiting (#${l.instance.place ?? '?'})` : (l.instance.id ?? '')}
            <div className={styles.dim}>
              {l.instance.health ?? ''}
              {l.instance.paused ? ' · paused' : ''}
              {l.instance.state === 'warned' && l.instance.reclaimAt ? ` · reclaimed in ${ago(l.instance.reclaimAt - now)}` : ''}
            </div>
          </>
        ) : (
          <span className={styles.dim}>no lab</span>
        )}
      </td>
      <td>{l.lesson ?? <span className={styles.dim}>–</span>}</td>
      <td data-testid="progress">
        {p.passed}/{p.tried} passed · {p.attempts} attempt{p.attempts === 1 ? '' : 's'} · {p.reveals} reveal{p.reveals === 1 ? '' : 's'}
      </td>
      <td>{last ? `${ago(now - last)} ago` : '–'}</td>
      <td>
        {l.terminals.length === 0 && <span className={styles.dim}>none open</span>}
        {l.terminals.map((t) => (
          <button key={t.id} type="button" className="button button--sm button--link" onClick={() => onWatch(t.id)} data-testid="watch-terminal" data-terminal={t.id}>
            {t.id} ({t.host})
          </button>
        ))}
      </td>
      <td>
        {!hasPool ? (
          <span className={styles.dim}>one shared lab</span>
        ) : confirming ? (
          <span className={styles.confirm}>
            {confirming === 'end' ? 'End' : 'Reset'} {l.name ?? 'this learner'}&apos;s lab?{' '}
            <button
              type="button"
              className="button button--sm button--danger"
              data-testid="confirm"
              onClick={() => {
                setConfirming(null);
                onAction(confirming);
              }}
            >
              Yes, {confirming}
            </button>{' '}
            <button type="button" className="button button--sm button--secondary" onClick={() => setConfirming(null)}>
              Cancel
            </button>
          </span>
        ) : (
          <>
            <button type="button" className="button button--sm button--outline button--warning" disabled={!l.instance} onClick={() => setConfirming('reset')} data-testid="reset">
              Reset
            </button>{' '}
            <button type="button" className="button button--sm button--outline button--danger" disabled={!l.instance} onClick={() => setConfirming('end')} data-testid="end">
              End
            </button>
          </>
        )}
      </td>
    </tr>
  );
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

function message(error: ClientError): string {
  return error.code === 'PB_NOT_INSTRUCTOR' ? 'That is not the operator token.' : error.message;
}
