/**
 * Stream path patterns of subscriptions: `*` matches one path segment, `**` zero or more, anything
 * else matches literally (`%2A` stands for a literal `*`).
 */

/** Trims leading and trailing slashes from a stream path. */
export function normalizePath(path: string): string {
  return path.replace(/^\/+/, '').replace(/\/+$/, '');
}

function segments(path: string): string[] {
  return normalizePath(path)
    .split('/')
    .filter((s) => s.length > 0);
}

/** Whether stream `path` matches `pattern`. */
export function globMatch(pattern: string, path: string): boolean {
  return matchFrom(segments(pattern), 0, segments(path), 0);
}

function matchFrom(pattern: string[], p: number, path: string[], s: number): boolean {
  let pi = p;
  let si = s;
  while (pi < pattern.length && si < path.length) {
    const seg = pattern[pi];
    if (seg === '**') {
      for (let i = si; i <= path.length; i++) if (matchFrom(pattern, pi + 1, path, i)) return true;
      return false;
    }
    if (seg !== '*' && seg?.replace(/%2a/gi, '*') !== path[si]) return false;
    pi++;
    si++;
  }
  while (pi < pattern.length && pattern[pi] === '**') pi++;
  return pi === pattern.length && si === path.length;
}
