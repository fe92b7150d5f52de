/** The console's colours (ui/style.css) against its background: WCAG AA contrast for normal text. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const css = fs.readFileSync(path.resolve(import.meta.dirname, '../../ui/style.css'), 'utf8');

/** The `--name: #rrggbb` colours of `:root`. */
function colours(): Map<string, string> {
  return new Map([...css.matchAll(/--([a-z]+):\s*(#[0-9a-f]{6})/g)].map((m) => [m[1] ?? '', m[2] ?? '']));
}

/** WCAG 2 relative luminance of `#rrggbb`. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
}

function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return ((light ?? 0) + 0.05) / ((dark ?? 0) + 0.05);
}

describe('console colours', () => {
  it('give every text colour at least 4.5:1 against the background', () => {
    const c = colours();
    const bg = c.get('bg');
    expect(bg).toBe('#ffffff');
    for (const name of ['fg', 'muted', 'accent', 'danger', 'ok']) {
      const colour = c.get(name);
      expect(colour, name).toBeDefined();
      expect(contrast(colour ?? '', bg ?? ''), name).toBeGreaterThanOrEqual(4.5);
    }
    expect(contrast('#777777', '#ffffff')).toBeLessThan(4.5);
  });
});
