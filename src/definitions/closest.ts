/**
 * The closest name by edit distance, for "did you mean …?": misspelt keys in definition files, ids and
 * hosts in lessons, metric names in the checker's hints.
 */

export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** Closest candidate other than `name` itself within `maxDistance` edits (ties: the first in sort order). */
function closest(name: string, candidates: Iterable<string>, maxDistance: number): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    if (c === name) continue;
    const d = editDistance(name, c);
    if (d < bestDistance || (d === bestDistance && best !== null && c < best)) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== null && bestDistance <= maxDistance ? best : null;
}

/** Closest candidate other than `name` itself; null when nothing is within `maxRatio` of its length. */
export function closestName(name: string, candidates: Iterable<string>, maxRatio = 0.5): string | null {
  return closest(name, candidates, Math.max(2, Math.ceil(name.length * maxRatio)));
}

/**
 * A name an author typed (a key, an id, a host) that is probably a typo of a known one. A third of the
 * name's length is close enough to be a typo and far enough not to suggest nonsense.
 */
export function didYouMean(name: string, candidates: Iterable<string>): string | null {
  return closest(name, candidates, Math.max(1, Math.floor(name.length / 3)));
}
