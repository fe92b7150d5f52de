/** Finds repeated keys in JSON text, which `JSON.parse` hides by keeping the last one. */

/**
 * The keys that appear more than once in one object of `json` (at any depth), as `path.key`;
 * empty when every object's keys are unique. `json` must be valid JSON.
 */
export function duplicateKeys(json: string): string[] {
  const duplicates: string[] = [];
  // One entry per open container: the keys seen so far for an object, undefined for an array.
  const open: (Set<string> | undefined)[] = [];
  for (let i = 0; i < json.length; i++) {
    const char = json[i];
    if (char === '{') open.push(new Set());
    else if (char === '[') open.push(undefined);
    else if (char === '}' || char === ']') open.pop();
    else if (char === '"') {
      const end = endOfString(json, i);
      const keys = open.at(-1);
      if (keys !== undefined && /^\s*:/.test(json.slice(end + 1, end + 8))) {
        const key = JSON.parse(json.slice(i, end + 1)) as string;
        if (keys.has(key)) duplicates.push(key);
        keys.add(key);
      }
      i = end;
    }
  }
  return duplicates;
}

/** Index of the quote closing the string that opens at `start`. */
function endOfString(json: string, start: number): number {
  let i = start + 1;
  while (json[i] !== '"') i += json[i] === '\\' ? 2 : 1;
  return i;
}
