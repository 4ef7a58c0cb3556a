/**
 * The interactive part of a challenge, loaded lazily: prompt, editor, Check, verdict, graphs, reveal.
 * All server calls go through src/protocol/challenges.ts paths; failures are shown, never thrown.
 */
import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { micromark } from 'micromark';
import {
  challengePath,
  checkPath,
  revealPath,
  ChallengeLimits,
  type ChallengeDetail,
  type CheckResponse,
  type RevealResponse,
} from '../../protocol/challenges.ts';
import { browserError } from '../../protocol/errors.ts';
import { callApi, type ClientError } from '../api/apiClient.ts';
import PromQLEditor from '../promql/PromQLEditor.tsx';
import ExplainView from '../promql/Explain/ExplainView.tsx';
import type { QuerySpan } from '../../protocol/explain.ts';
import Message from '../promql/Message.tsx';
import { isPassed, loadProgress, markPassed, setChallengeTitle, useChallengeStore } from './challengeStore.ts';
import { loadDraft, saveDraft } from './draftStore.ts';
import Verdict from './Verdict.tsx';
import ResultGraphs from './ResultGraphs.tsx';
import StepBox from '../StepBox/index.tsx';
import styles from './styles.module.css';
import StepActions from '../StepBox/StepActions.tsx';

type Loaded<T> = { state: 'loading' } | { state: 'error'; error: ClientError } | { state: 'ready'; value: T };

/** Outcome of the last press of Check: the server's verdict, or why there is none. */
export type Outcome = { kind: 'checked'; response: CheckResponse } | { kind: 'failed'; error: ClientError };

export default function ChallengePanel({ id }: { id: string }) {
  const [detail, setDetail] = useState<Loaded<ChallengeDetail>>({ state: 'loading' });
  const initialDraft = useMemo(() => loadDraft(id), [id]);
  const query = useRef(initialDraft);
  const [checking, setChecking] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | undefined>();
  const [reference, setReference] = useState<string | undefined>();
  const [revealError, setRevealError] = useState<string | undefined>();
  const [replacement, setReplacement] = useState<{ text: string; revision: number } | undefined>();
  /** Bumped when "Show answer" reveals the reference, which then takes the keyboard focus. */
  const [revealed, setRevealed] = useState(0);
  const referenceBox = useRef<HTMLDivElement>(null);
  /** The explain view: the query it explains (a press of Explain, or a hint's link, bumps the revision). */
  const [explain, setExplain] = useState<{ query: string; revision: number } | undefined>();
  const [focusSpan, setFocusSpan] = useState<{ span: QuerySpan; revision: number } | undefined>();
  const checkedQuery = useRef<string | undefined>(undefined);
  const store = useChallengeStore();
  const base = useId().replace(/:/g, '');
  const ids = { title: `${base}-title`, label: `${base}-label`, help: `${base}-help`, verdict: `${base}-verdict` };

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

  const check = useCallback(async () => {
    if (checking) return;
    const q = query.current;
    if (q.trim() === '') {
      setOutcome({ kind: 'failed', error: browserError('PB_EMPTY') });
      return;
    }
    setChecking(true);
    checkedQuery.current = q;
    const r = await callApi<CheckResponse>(checkPath(id), { method: 'POST', body: { query: q }, retryNetwork: true });
    setChecking(false);
    setOutcome(r.ok ? { kind: 'checked', response: r.value } : { kind: 'failed', error: r.error });
    if (r.ok && r.value.passed) markPassed(id);
    else if (r.ok) void loadProgress(true);
  }, [checking, id]);

  const reveal = useCallback(async () => {
    setRevealError(undefined);
    const r = await callApi<RevealResponse>(revealPath(id), { method: 'POST', body: {}, retryNetwork: true });
    if (r.ok) {
      setReference(r.value.reference);
      setRevealed((n) => n + 1);
    } else setRevealError(r.error.message);
  }, [id]);

  // "Show answer" disappears once pressed, and focus would drop to the top of the page: it goes to the
  // answer it revealed instead, so the keyboard stays where the learner is (and a screen reader reads it).
  useEffect(() => {
    if (revealed) referenceBox.current?.focus();
  }, [revealed]);

  const explainNow = useCallback((q: string = query.current) => {
    if (q.trim() !== '') setExplain((e) => ({ query: q, revision: (e?.revision ?? 0) + 1 }));
  }, []);
  const checked = outcome?.kind === 'checked' ? outcome.response : undefined;
  // The last check's hints point into the explained tree only when it checked the query explained.
  const pointers = useMemo(() => (checked && explain && checkedQuery.current === explain.query ? { normalizedQuery: checked.normalizedQuery, hints: checked.hints } : undefined), [checked, explain]);
  const showHint = useCallback(
    (span: QuerySpan) => {
      const q = checkedQuery.current;
      if (q === undefined) return;
      if (explain?.query !== q) explainNow(q);
      setFocusSpan((f) => ({ span, revision: (f?.revision ?? 0) + 1 }));
    },
    [explain, explainNow],
  );

  const promptHtml = useMemo(() => (detail.state === 'ready' ? micromark(detail.value.prompt) : ''), [detail]);

  if (detail.state === 'loading') return <p className={styles.loading}>Loading challenge {id}…</p>;
  if (detail.state === 'error') {
    return (
      <div className={styles.unavailable} role="alert">
        Challenge <code>{id}</code> is not available:{' '}
        {detail.error.code === 'PB_NOT_FOUND' ? (
          <>
            this server has no challenge API (it runs without a lab). Start it with <code>npm start</code>.
          </>
        ) : (
          <Message text={detail.error.message} />
        )}
      </div>
    );
  }
  const d = detail.value;
  const passed = isPassed(store, id) || d.passed || (outcome?.kind === 'checked' && outcome.response.passed);
  const revealable = outcome?.kind === 'checked' ? outcome.response.revealable : d.revealable;
  const response = outcome?.kind === 'checked' ? outcome.response : undefined;

  return (
    <StepBox as="div" kind="Challenge" title={d.title} titleId={ids.title} passed={passed} doneTestId="challenge-done">
      <div className={styles.prompt} dangerouslySetInnerHTML={{ __html: promptHtml }} />
      <label id={ids.label} className={styles.label}>
        Your PromQL query
      </label>
      <p id={ids.help} className={styles.help}>
        Press Enter or Ctrl+Enter to check. Completion lists the lab's metric and label names (Ctrl+Space). Explain shows your query part by part, each part run on your lab.
      </p>
      <div className={styles.editor}>
        <PromQLEditor
          initialValue={initialDraft}
          onChange={(q) => {
            query.current = q.slice(0, ChallengeLimits.MAX_QUERY_CHARS + 1);
            saveDraft(id, query.current);
          }}
          onSubmit={() => void check()}
          labelledBy={ids.label}
          describedBy={`${ids.help} ${ids.verdict}`}
          placeholder="e.g. sum(rate(…[5m]))"
          replacement={replacement}
        />
      </div>
      <StepActions>
        {/* aria-disabled, not disabled: a disabled button drops keyboard focus to the page body. */}
        <button type="button" className="button button--primary" onClick={() => void check()} aria-disabled={checking} aria-busy={checking}>
          {checking ? 'Checking…' : 'Check'}
        </button>
        <button type="button" className="button button--secondary" onClick={() => explainNow()} data-testid="explain-button">
          Explain
        </button>
        {revealable && !passed && reference === undefined && (
          <button type="button" className="button button--secondary" onClick={() => void reveal()}>
            Show answer
          </button>
        )}
      </StepActions>
      <div id={ids.verdict} role="status" aria-live="polite" aria-atomic="true" className={styles.verdictRegion}>
        {checking ? null : outcome && <Verdict outcome={outcome} onShowHint={showHint} />}
      </div>
      {explain && <ExplainView request={{ query: explain.query, challenge: id, revision: explain.revision }} check={pointers} focusSpan={focusSpan} onClose={() => setExplain(undefined)} />}
      {revealError && <p role="alert" className={styles.unavailable}>{revealError}</p>}
      {reference !== undefined && (
        <div className={styles.reference} data-testid="challenge-reference" ref={referenceBox} tabIndex={-1}>
          <span>Reference answer:</span> <code>{reference}</code>{' '}
          <button type="button" className="button button--sm button--link" onClick={() => setReplacement({ text: reference, revision: (replacement?.revision ?? 0) + 1 })}>
            Put it in the editor
          </button>
        </div>
      )}
      {response && <ResultGraphs response={response} />}
    </StepBox>
  );
}
