/**
 * The verdict of one check: passed or not, why it could not be evaluated (with the caret under a
 * syntax error), and the advisory hints. Rendered inside the challenge's aria-live region.
 */
import { ErrorRegistry, type CheckErrorKind } from '../../protocol/errors.ts';
import type { Outcome } from './ChallengePanel.tsx';
import Message from '../promql/Message.tsx';
import type { QuerySpan } from '../../protocol/explain.ts';
import styles from './styles.module.css';
import StepVerdict, { type VerdictTone } from '../StepBox/StepVerdict.tsx';

/** `onShowHint`: a hint about one part of the answer links to that part in the explain view. */
type ShowHint = (span: QuerySpan) => void;

export default function Verdict({ outcome, onShowHint }: { outcome: Outcome; onShowHint?: ShowHint }) {
  if (outcome.kind === 'failed') {
    return (
      <StepVerdict tone="error" data-verdict="error">
        <strong>Could not check:</strong> {outcome.error.message}
      </StepVerdict>
    );
  }
  const r = outcome.response;
  if (r.error) {
    return (
      <StepVerdict tone={checkErrorTone(r.error.kind)} data-verdict="error" data-error-kind={r.error.kind}>
        <strong>{ErrorRegistry.check[r.error.kind].title}:</strong> <Message text={r.error.message} />
        {r.error.caret && (
          <pre className={styles.caret} aria-label={r.error.position ? `at line ${r.error.position.line}, column ${r.error.position.column}` : undefined}>
            {r.error.caret}
          </pre>
        )}
        <Hints r={r} onShowHint={onShowHint} />
      </StepVerdict>
    );
  }
  return (
    <StepVerdict tone={r.passed ? 'pass' : 'fail'} data-verdict={r.passed ? 'pass' : 'fail'}>
      <strong>{r.passed ? 'Correct.' : 'Not yet.'}</strong>{' '}
      {r.passed
        ? 'Your query gives the same result as the reference.'
        : 'Your query gives a different result from the expected one.'}
      <Hints r={r} onShowHint={onShowHint} />
    </StepVerdict>
  );
}

/** "Needs data" is not the learner's mistake: a notice, not an error. */
export function checkErrorTone(kind: CheckErrorKind): VerdictTone {
  return kind === 'needs-data' ? 'notice' : 'error';
}

function Hints({ r, onShowHint }: { r: Extract<Outcome, { kind: 'checked' }>['response']; onShowHint?: ShowHint | undefined }) {
  if (r.hints.length === 0) return null;
  return (
    <ul className={styles.hints} aria-label="Hints">
      {r.hints.map((h) => (
        <li key={h.id + h.message} data-hint={h.id}>
          <Message text={h.message} />
          {h.span && onShowHint && (
            <>
              {' '}
              <button type="button" className="button button--sm button--link" onClick={() => onShowHint(h.span!)} data-testid="hint-explain">
                Show in Explain
              </button>
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

