/**
 * `<Task id="…"/>`: a change the learner makes to their lab, checked on one of its hosts (global in
 * MDX; tasks are defined in the lab's tasks.yaml). Shows the task, a Check button, the verdict (holds,
 * or the author's hint with the end of the check's output), and "Show solution" once a check has
 * failed. Progress comes with the challenges' (GET /api/progress, key `task:<id>`). Light: no editor.
 */
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { taskCheckPath, taskPath, taskProgressId, taskRevealPath, type TaskCheckResponse, type TaskDetail, type TaskRevealResponse } from '../../protocol/tasks.ts';
import { callApi, type ClientError } from '../api/apiClient.ts';
import { isPassed, loadProgress, markPassed, useChallengeStore } from '../Challenge/challengeStore.ts';
import Message from '../promql/Message.tsx';
import StepBox from '../StepBox/index.tsx';
import styles from './styles.module.css';
import StepActions from '../StepBox/StepActions.tsx';
import StepVerdict from '../StepBox/StepVerdict.tsx';

export interface TaskProps {
  /** Task id in the lab's tasks.yaml. */
  id: string;
}

type Loaded = { state: 'loading' } | { state: 'error'; error: ClientError } | { state: 'ready'; value: TaskDetail };
type Outcome = { kind: 'checked'; response: TaskCheckResponse } | { kind: 'failed'; error: ClientError };

export default function Task({ id }: TaskProps) {
  const [detail, setDetail] = useState<Loaded>({ state: 'loading' });
  const [checking, setChecking] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | undefined>();
  const [solution, setSolution] = useState<string | undefined>();
  const [revealError, setRevealError] = useState<string | undefined>();
  const [revealed, setRevealed] = useState(0);
  const solutionBox = useRef<HTMLDivElement>(null);
  const store = useChallengeStore();
  const titleId = `${useId().replace(/:/g, '')}-title`;

  useEffect(() => {
    const abort = new AbortController();
    void loadProgress();
    void callApi<TaskDetail>(taskPath(id), { signal: abort.signal }).then((r) => {
      if (abort.signal.aborted) return;
      setDetail(r.ok ? { state: 'ready', value: r.value } : { state: 'error', error: r.error });
      if (r.ok && r.value.solution !== undefined) setSolution(r.value.solution);
    });
    return () => abort.abort();
  }, [id]);

  const check = useCallback(async () => {
    if (checking) return;
    setChecking(true);
    const r = await callApi<TaskCheckResponse>(taskCheckPath(id), { method: 'POST', body: {}, retryNetwork: true });
    setChecking(false);
    setOutcome(r.ok ? { kind: 'checked', response: r.value } : { kind: 'failed', error: r.error });
    if (r.ok && r.value.holds) markPassed(taskProgressId(id));
    else if (r.ok) void loadProgress(true);
  }, [checking, id]);

  const reveal = useCallback(async () => {
    setRevealError(undefined);
    const r = await callApi<TaskRevealResponse>(taskRevealPath(id), { method: 'POST', body: {}, retryNetwork: true });
    if (r.ok) {
      setSolution(r.value.solution);
      setRevealed((n) => n + 1);
    } else setRevealError(r.error.message);
  }, [id]);

  // The button that revealed it is gone: focus moves to what it revealed, not to the top of the page.
  useEffect(() => {
    if (revealed) solutionBox.current?.focus();
  }, [revealed]);

  if (detail.state === 'loading') return <p className={styles.loading}>Loading task {id}…</p>;
  if (detail.state === 'error') {
    return (
      <div className={styles.unavailable} role="alert" data-task={id}>
        Task <code>{id}</code> is not available:{' '}
        {detail.error.code === 'PB_NOT_FOUND' ? <>this server has no task API (it runs without a lab). Start it with <code>npm start</code>.</> : <Message text={detail.error.message} />}
      </div>
    );
  }
  const d = detail.value;
  const response = outcome?.kind === 'checked' ? outcome.response : undefined;
  const passed = isPassed(store, taskProgressId(id)) || d.passed || response?.holds === true;
  const revealable = response ? response.revealable : d.revealable;

  return (
    <StepBox as="section" className={styles.task} kind="Task" title={d.title} titleId={titleId} passed={passed} doneTestId="task-done" data-task={id}>
      {d.prompt && (
        <p className={styles.prompt}>
          <Message text={d.prompt} />
        </p>
      )}
      <p className={styles.host}>
        Checked on your lab's <code>{d.host}</code> host.
      </p>
      <StepActions>
        {/* aria-disabled, not disabled: a disabled button drops keyboard focus to the page body. */}
        <button type="button" className="button button--primary" onClick={() => void check()} aria-disabled={checking} aria-busy={checking}>
          {checking ? 'Checking…' : 'Check'}
        </button>
        {revealable && !passed && solution === undefined && (
          <button type="button" className="button button--secondary" onClick={() => void reveal()}>
            Show solution
          </button>
        )}
      </StepActions>
      <div role="status" aria-live="polite" aria-atomic="true">
        {!checking && outcome && <TaskVerdict outcome={outcome} />}
      </div>
      {revealError && (
        <p role="alert" className={styles.unavailable}>
          {revealError}
        </p>
      )}
      {solution !== undefined && (
        <div className={styles.solution} data-testid="task-solution" ref={solutionBox} tabIndex={-1}>
          <span>Solution (type it on the {d.host} host):</span>
          <pre>{solution}</pre>
        </div>
      )}
    </StepBox>
  );
}

function TaskVerdict({ outcome }: { outcome: Outcome }) {
  if (outcome.kind === 'failed') {
    return (
      <StepVerdict tone="error" data-testid="task-verdict" data-verdict="error">
        <strong>Could not check:</strong> <Message text={outcome.error.message} />
      </StepVerdict>
    );
  }
  const r = outcome.response;
  if (r.holds) {
    return (
      <StepVerdict tone="pass" data-testid="task-verdict" data-verdict="holds">
        <strong>Done.</strong> The check holds on your lab.
      </StepVerdict>
    );
  }
  return (
    <StepVerdict tone="fail" data-testid="task-verdict" data-verdict="fails">
      <strong>Not yet.</strong> {r.timedOut ? 'The check did not finish in time. ' : ''}
      {r.hint && <Message text={r.hint} />}
      {r.output.trim() !== '' && <pre className={styles.output}>{r.output}</pre>}
    </StepVerdict>
  );
}
