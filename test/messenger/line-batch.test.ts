import { describe, expect, it } from 'vitest';
import { LineBatch } from '../../internal/envelope/index.js';

function encoded(lines: string[]): { data: Buffer; ascii: boolean } {
  const batch = new LineBatch();
  for (const line of lines) batch.add(line);
  return batch.encode();
}

describe('LineBatch', () => {
  it('encodes many lines, across chunk boundaries, exactly as one joined string', () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `{"n":${i},"s":"${'x'.repeat(i % 300)}"}\n`);
    const { data, ascii } = encoded(lines);
    expect(data.length).toBeGreaterThan(3 * 64 * 1024);
    expect(data.equals(Buffer.from(lines.join('')))).toBe(true);
    expect(ascii).toBe(true);
  });

  it('encodes non-ASCII lines as UTF-8 and says they are not ASCII', () => {
    const lines = ['{"s":"é"}\n', `{"s":"${'€'.repeat(70_000)}"}\n`, '{"s":"😀"}\n'];
    const { data, ascii } = encoded(lines);
    expect(data.toString('utf8')).toBe(lines.join(''));
    expect(ascii).toBe(false);
  });

  it('keeps a line longer than a chunk whole, between shorter ones', () => {
    const lines = ['a\n', `${'b'.repeat(200_000)}\n`, 'c\n'];
    expect(encoded(lines).data.toString('latin1')).toBe(lines.join(''));
  });
});
