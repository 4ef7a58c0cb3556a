/**
 * The interactive part of a panel challenge (`<Challenge id dashboard panel/>`), loaded lazily: the prompt,
 * which panel of the learner's dashboard to check (read from the page's dashboard store, as <Dashboard>
 * edits it), Check this panel, the verdict per query, for each legend and for the title, and the reveal
 * of the reference panel. Server calls go through the protocol's paths; failures are shown, never thrown.
 */
import { useCallback, useEffect, useId, useMemo, useState } from 'react';
import { micromark } from 'micromark';
import { challengePath, revealPath, type ChallengeDetail, type RevealResponse } from '../../protocol/challenges.ts';
import { ErrorRegistry } from '../../protocol/errors.ts';
import { panelCheckPath, type PanelCheckResponse, type PanelQueryVerdict, type PanelReveal } from '../../protocol/panelChallenges.ts';
import { callApi, type ClientError } from '../api/apiClient.ts';
import { findPanel, useDashboard } from '../Dashboard/dashboardStore.ts';
import Message from '../promql/Message.tsx';
import { isPassed, loadProgress, markPassed, setChallengeTitle, useChallengeStore } from './challengeStore.ts';
import StepBox from '../StepBox/index.tsx';
import styles from './styles.module.css';
import StepActions from '../StepBox/StepActions.tsx';
import StepVerdict from '../StepBox/StepVerdict.tsx';
import { checkErrorTone } from './Verdict.tsx';

type Loaded<T> = { state: 'loading' } | { state: 'error'; error: ClientError } | { state: 'ready'; value: T };
type PanelOutcome = { kind: 'checked'; response: PanelCheckResponse } | { kind: 'failed'; message: string };

export interface PanelChallengePanelProps {
  id: string;
  /** The <Dashboard id> whose panel is graded. */
  dashboard: string;
  /** The panel's title the lesson asks for: that panel is checked unless the learner picks another. */
  panel?: string;
}

export default function PanelChallengePanel({ id, dashboard, panel: wantedTitle }: PanelChallengePanelProps) {
  const [detail, setDetail] = useState<Loaded<ChallengeDetail>>({ state: 'loading' });
  const [picked, setPicked] = useState<string | undefined>();
  const [checking, setChecking] = useState(false);
  const [outcome, setOutcome] = useState<PanelOutcome | undefined>();
  const [reference, setReference] = useState<string | undefined>();
  const [revealError, setRevealError] = useState<string | undefined>();
  const entry = useDashboard(dashboard);
  const store = useChallengeStore();
  const base = useId().replace(/:/g, '');
  const ids = { title: `${base}-title`, pick: `${base}-pick`, verdict: `${base}-verdict` };

  useEffect(() => {
    const abort = new AbortController();
    void callApi<ChallengeDetail>(challengePath(id), { signal: abort.signal }).then((r) => {
      if (abort.signal.aborted) return;
      if (!r.ok) return setDetail({ state: 'error', error: r.error });
      setDetail({ state: 'ready', value: r.value });
      setChallengeTitle(id, r.value.title);
      if (r.value.reference !== undefined) setReference(r.value.reference);
    });
    return () => abort.abort();
  }, [id]);

  const panels = entry.dashboard?.panels ?? [];
  // The learner's pick, else the panel titled as the lesson asks, else the only one.
  const target = (picked !== undefined ? findPanel(entry.dashboard, { panelId: picked }) : undefined)
    ?? (wantedTitle !== undefined ? findPanel(entry.dashboard, { title: wantedTitle }) : undefined)
    ?? (panels.length === 1 ? panels[0] : undefined);

  const check = useCallback(async () => {
    if (checking) return;
    if (!target) {
      setOutcome({ kind: 'failed', message: panels.length ? 'Choose the panel to check.' : `Add a panel to the dashboard${wantedTitle ? ` and title it “${wantedTitle}”` : ''} first.` });
      return;
    }
    setChecking(true);
    const r = await callApi<PanelCheckResponse>(panelCheckPath(id), { method: 'POST', body: { panel: target }, retryNetwork: true });
    setChecking(false);
    setOutcome(r.ok ? { kind: 'checked', response: r.value } : { kind: 'failed', message: r.error.message });
    if (r.ok && r.value.passed) markPassed(id);
    else if (r.ok) void loadProgress(true);
  }, [checking, id, target, panels.length, wantedTitle]);

  const reveal = useCallback(async () => {
    setRevealError(undefined);
    const r = await callApi<RevealResponse & Partial<PanelReveal>>(revealPath(id), { method: 'POST', body: {}, retryNetwork: true });
    if (r.ok) setReference(r.value.reference);
    else setRevealError(r.error.message);
  }, [id]);

  const promptHtml = useMemo(() => (detail.state === 'ready' ? micromark(detail.value.prompt) : ''), [detail]);

  if (detail.state === 'loading') return <p className={styles.loading}>Loading challenge {id}…</p>;
  if (detail.state === 'error') {
    return (
      <div className={styles.unavailable} role="alert">
        Challenge <code>{id}</code> is not available: <Message text={detail.error.message} />
      </div>
    );
  }
  const d = detail.value;
  const response = outcome?.kind === 'checked' ? outcome.response : undefined;
  const passed = isPassed(store, id) || d.passed || response?.passed === true;
  const revealable = response ? response.revealable : d.revealable;

  return (
    <StepBox as="div" kind="Challenge" title={d.title} titleId={ids.title} passed={passed} doneTestId="challenge-done" data-panel-challenge={id}>
      <div className={styles.prompt} dangerouslySetInnerHTML={{ __html: promptHtml }} />
      <label htmlFor={ids.pick} className={styles.label}>
        Panel to check
      </label>{' '}
      {entry.loadError ? (
        <p className={styles.unavailable} role="alert">The dashboard did not load: {entry.loadError}</p>
      ) : (
        <select id={ids.pick} value={target?.id ?? ''} onChange={(e) => setPicked(e.target.value)} disabled={panels.length === 0} data-testid="panel-pick">
          {!target && <option value="">{panels.length ? 'Choose a panel' : 'No panels on the dashboard yet'}</option>}
          {panels.map((p) => (
            <option key={p.id} value={p.id}>
              {p.title.trim() || '(untitled panel)'} ({p.queries.length} {p.queries.length === 1 ? 'query' : 'queries'})
            </option>
          ))}
        </select>
      )}
      <StepActions>
        <button type="button" className="button button--primary" onClick={() => void check()} aria-disabled={checking} aria-busy={checking}>
          {checking ? 'Checking…' : 'Check this panel'}
        </button>
        {revealable && !passed && reference === undefined && (
          <button type="button" className="button button--secondary" onClick={() => void reveal()}>
            Show answer
          </button>
        )}
      </StepActions>
      <div id={ids.verdict} role="status" aria-live="polite" aria-atomic="true" className={styles.verdictRegion}>
        {checking ? null : outcome && <PanelVerdict outcome={outcome} />}
      </div>
      {revealError && <p role="alert" className={styles.unavailable}>{revealError}</p>}
      {reference !== undefined && (
        <div className={styles.reference} data-testid="challenge-reference">
          <span>Reference panel:</span>
          <pre>{reference}</pre>
        </div>
      )}
    </StepBox>
  );
}

function PanelVerdict({ outcome }: { outcome: PanelOutcome }) {
  if (outcome.kind === 'failed') {
    return (
      <StepVerdict tone="error" data-verdict="error">
        <strong>Could not check:</strong> {outcome.message}
      </StepVerdict>
    );
  }
  const r = outcome.response;
  if (r.error) {
    return (
      <StepVerdict tone={checkErrorTone(r.error.kind)} data-verdict="error" data-error-kind={r.error.kind}>
        <strong>{ErrorRegistry.check[r.error.kind].title}:</strong> <Message text={r.error.message} />
      </StepVerdict>
    );
  }
  return (
    <StepVerdict tone={r.passed ? 'pass' : 'fail'} data-verdict={r.passed ? 'pass' : 'fail'}>
      <strong>{r.passed ? 'Correct.' : 'Not yet.'}</strong> {r.passed ? 'Your panel shows what the lesson asks for.' : 'Some parts of your panel differ from what the lesson asks for:'}
      <ul className={styles.hints} aria-label="Verdict per part of the panel">
        {r.title && (
          <li data-part="title" data-passed={r.title.passed}>
            {mark(r.title.passed)} Title: <Message text={r.title.message} />
          </li>
        )}
        {r.queries.map((q) => (
          <QueryLine key={q.refId} q={q} />
        ))}
        {r.missing.map((m) => (
          <li key={m.reference} data-part="missing" data-passed="false">
            {mark(false)} No query on your panel shows {m.about}.
          </li>
        ))}
      </ul>
    </StepVerdict>
  );
}

function QueryLine({ q }: { q: PanelQueryVerdict }) {
  return (
    <li data-part="query" data-ref-id={q.refId} data-passed={q.passed && (q.legend?.passed ?? true)}>
      {mark(q.passed)} Query {q.refId}:{' '}
      {q.passed ? <>shows {q.about}.</> : q.error ? <>{ErrorRegistry.check[q.error.kind].title}: <Message text={q.error.message} /></> : q.note ? <Message text={q.note} /> : <>compared with {q.about}: it gives a different result.</>}
      {!q.passed && q.hints.length > 0 && (
        <ul aria-label={`Hints for query ${q.refId}`}>
          {q.hints.map((h) => (
            <li key={h.id + h.message} data-hint={h.id}>
              <Message text={h.message} />
            </li>
          ))}
        </ul>
      )}
      {q.legend && (
        <div data-part="legend" data-passed={q.legend.passed}>
          {mark(q.legend.passed)} <Message text={q.legend.message} />
        </div>
      )}
    </li>
  );
}

function mark(ok: boolean) {
  return <span aria-label={ok ? 'right' : 'wrong'}>{ok ? '✓' : '✗'}</span>;
}
