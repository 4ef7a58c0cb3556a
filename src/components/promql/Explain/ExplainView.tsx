/**
 * The explain view of a query (Prometheus 3's Explain tab, PromLens): asks the gateway to explain it
 * (POST /api/explain, src/protocol/explain.ts) and shows the tree as a nested list, each node with its
 * text, plain words, how many series it gives on the learner's lab and one of them. A node a hint of the
 * last check points at is highlighted, with the hint beside it.
 *
 *   <ExplainView request={{ query, challenge: id, revision }} check={{ normalizedQuery, hints }} />
 *
 * A new `revision` explains again (the learner pressed Explain); `focusSpan` scrolls to and focuses the
 * node holding that span once the tree is there.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Hint } from '../../../protocol/challenges.ts';
import { EXPLAIN_PATH, nodeAt, type ExplainNode, type ExplainRequest, type ExplainResponse, type QuerySpan } from '../../../protocol/explain.ts';
import { callApi, type ClientError } from '../../api/apiClient.ts';
import Message from '../Message.tsx';
import { hintsByNode, type CheckPointers } from './hintNodes.ts';
import styles from './Explain.module.css';

export interface ExplainViewProps {
  request: ExplainRequest & { revision: number };
  /** The last check of the same query, whose hints may point at nodes. */
  check?: CheckPointers | undefined;
  /** A hint's span to bring into view (the learner followed a hint's link); `revision` repeats it. */
  focusSpan?: { span: QuerySpan; revision: number } | undefined;
  /** Shown as a Hide button when given. */
  onClose?: () => void;
}

type State = { kind: 'loading' } | { kind: 'failed'; error: ClientError } | { kind: 'done'; response: ExplainResponse };

export default function ExplainView({ request, check, focusSpan, onClose }: ExplainViewProps) {
  const [state, setState] = useState<State>({ kind: 'loading' });
  const { query, challenge, revision } = request;
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const abort = new AbortController();
    setState({ kind: 'loading' });
    const body: ExplainRequest = { query, ...(challenge !== undefined && { challenge }) };
    void callApi<ExplainResponse>(EXPLAIN_PATH, { method: 'POST', body, signal: abort.signal, retryNetwork: true }).then((r) => {
      if (!abort.signal.aborted) setState(r.ok ? { kind: 'done', response: r.value } : { kind: 'failed', error: r.error });
    });
    return () => abort.abort();
  }, [query, challenge, revision]);

  const response = state.kind === 'done' ? state.response : undefined;
  const hinted = useMemo(() => (response?.root ? hintsByNode(response.root, response.normalizedQuery, check) : new Map<number, Hint[]>()), [response, check]);

  /** The focus request already carried out: a later explain does not take the focus again. */
  const focused = useRef<number | undefined>(undefined);
  useEffect(() => {
    if (!focusSpan || !response?.root || focused.current === focusSpan.revision) return;
    const node = check && check.normalizedQuery !== response.normalizedQuery ? null : nodeAt(response.root, focusSpan.span);
    const id = node?.id ?? [...hinted].find(([, hints]) => hints.some((h) => h.span?.from === focusSpan.span.from && h.span.to === focusSpan.span.to))?.[0];
    if (id === undefined) return;
    const el = box.current?.querySelector<HTMLElement>(`[data-explain-node="${id}"]`);
    if (!el) return;
    focused.current = focusSpan.revision;
    el.scrollIntoView({ block: 'nearest' });
    el.focus();
  }, [focusSpan, response, hinted, check]);

  return (
    <div className={styles.explain} data-testid="explain" data-state={state.kind} ref={box}>
      <p className={styles.heading}>
        <strong>Explain</strong>
        {response && (
          <span className={styles.when}>
            {' '}
            evaluated on your lab at {new Date(response.evaluatedAt * 1000).toLocaleTimeString()}
          </span>
        )}
        {onClose && (
          <button type="button" className={`button button--sm button--link ${styles.close}`} onClick={onClose}>
            Hide
          </button>
        )}
      </p>
      {state.kind === 'loading' && <p className={styles.note}>Explaining…</p>}
      {state.kind === 'failed' && (
        <p role="alert" className={styles.error}>
          Could not explain: <Message text={state.error.message} />
        </p>
      )}
      {response?.error && (
        <div role="alert" className={styles.error} data-explain-error={response.error.kind}>
          <Message text={response.error.message} />
          {response.error.caret && <pre className={styles.caret}>{response.error.caret}</pre>}
        </div>
      )}
      {response?.root && (
        <ul className={styles.tree} aria-label="The query, part by part">
          <Node node={response.root} hinted={hinted} />
        </ul>
      )}
    </div>
  );
}

function Node({ node, hinted }: { node: ExplainNode; hinted: ReadonlyMap<number, Hint[]> }) {
  const hints = hinted.get(node.id);
  return (
    <li className={styles.item}>
      <div className={hints ? `${styles.node} ${styles.hinted}` : styles.node} data-explain-node={node.id} data-kind={node.kind} data-hinted={hints ? 'true' : undefined} tabIndex={-1}>
        <div className={styles.line}>
          <code className={styles.text}>{node.text}</code>
          <Count node={node} />
        </div>
        <p className={styles.words}>
          <Message text={node.words} />
        </p>
        {node.sample && node.kind !== 'number' && <Sample node={node} />}
        {node.error && (
          <p className={styles.error} data-explain-node-error>
            {node.error}
          </p>
        )}
        {hints?.map((h) => (
          <p key={h.id + h.message} className={styles.hint} data-hint={h.id}>
            <strong>Hint:</strong> <Message text={h.message} />
          </p>
        ))}
      </div>
      {node.children.length > 0 && (
        <ul className={styles.tree}>
          {node.children.map((c) => (
            <Node key={c.id} node={c} hinted={hinted} />
          ))}
        </ul>
      )}
    </li>
  );
}

function Count({ node }: { node: ExplainNode }) {
  let text: string;
  if (node.resultType === 'scalar') text = `scalar ${node.sample?.value ?? ''}`.trim();
  else if (node.resultType === 'string') text = 'string';
  else if (node.seriesCount === null) text = node.error ? 'error' : 'not evaluated';
  else text = `${node.seriesCount} series${node.resultType === 'matrix' ? ' (range)' : ''}`;
  return (
    <span className={styles.count} data-explain-count={node.seriesCount ?? ''}>
      {text}
    </span>
  );
}

function Sample({ node }: { node: ExplainNode }) {
  const s = node.sample!;
  const labels = Object.entries(s.labels);
  const name = s.labels.__name__ ?? '';
  const rest = labels.filter(([k]) => k !== '__name__').map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  const series = `${name}{${rest.join(', ')}}`;
  return (
    <p className={styles.sample}>
      <span className={styles.sampleLabel}>{node.seriesCount === 1 ? 'Series:' : 'e.g.'}</span> <code>{series}</code> = <code>{s.value}</code>
      {s.samples !== undefined && <span className={styles.note}> (last of {s.samples} samples in the range)</span>}
    </p>
  );
}
