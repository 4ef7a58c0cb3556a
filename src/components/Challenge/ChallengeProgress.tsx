/**
 * "Challenges on this page: 1 of 3 done" with a link to each challenge. Rendered at the end of every
 * lesson (MDXComponents wrapper) and renders nothing on pages without challenges. Light: no editor code.
 */
import { isPassed, useChallengeStore } from './challengeStore.ts';
import { challengeAnchor } from './anchor.ts';
import styles from './styles.module.css';

export default function ChallengeProgress() {
  const store = useChallengeStore();
  if (store.onPage.length === 0) return null;
  const done = store.onPage.filter((c) => isPassed(store, c.id)).length;
  return (
    <nav className={styles.progress} aria-label="Challenges on this page" data-testid="challenge-progress">
      <p className={styles.progressTitle}>
        Challenges on this page: {done} of {store.onPage.length} done
      </p>
      <ul className={styles.progressList}>
        {store.onPage.map((c) => {
          const passed = isPassed(store, c.id);
          return (
            <li key={c.id} data-done={passed}>
              <span aria-hidden="true" className={passed ? styles.markDone : styles.markOpen}>{passed ? '✓' : '○'}</span>{' '}
              <a href={`#${challengeAnchor(c.id)}`}>{c.title ?? c.id}</a>
              <span className={styles.srOnly}>{passed ? ' (done)' : ' (not done yet)'}</span>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
