/** "Did you mean" for misspelt configuration keys. */

const MAX_DISTANCE = 2;

/**
 * The candidate `input` most likely meant: one spelt the same apart from case and `_`/`-`
 * (`dataDir` for `data_dir`), else the nearest within Levenshtein distance 2; undefined when none is close.
 */
export function closestMatch(input: string, candidates: readonly string[]): string | undefined {
  const folded = fold(input);
  const sameLetters = candidates.find((candidate) => fold(candidate) === folded);
  if (sameLetters !== undefined) return sameLetters;
  let best: string | undefined;
  let bestDistance = MAX_DISTANCE + 1;
  for (const candidate of candidates) {
    const distance = levenshtein(input, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function fold(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, '');
}

/** Edit distance (insertions, deletions, substitutions) between `a` and `b`. */
export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
