import { describe, expect, it } from 'vitest';
import { StoredLines } from '../../internal/envelope/index.js';

describe('StoredLines', () => {
  it('splices into each record its own insert and keeps text lines as given, in order', () => {
    const field = Buffer.from(',"route":["hub1"]');
    const entry = Buffer.from(',"hub1"');
    const lines = new StoredLines();
    const expected: string[] = [];
    for (let i = 0; i < 200; i++) {
      const id = `m${i}`;
      if (i % 7 === 3) {
        const text = `{"id":"${id}","payload":"é${i}"}\n`;
        lines.addText(id, text);
        expected.push(text);
        continue;
      }
      const head = `{"id":"${id}"${'h'.repeat(i % 13)}`;
      const tail = `,"payload":"${'p'.repeat(i % 29)}"}`;
      const insert = i % 2 === 0 ? field : entry;
      lines.addRecord(id, Buffer.from(head + tail), head.length, insert);
      expected.push(`${head}${insert.toString()}${tail}\n`);
    }
    expect(lines.count).toBe(200);
    expect(lines.ids.slice(0, 3)).toEqual(['m0', 'm1', 'm2']);
    const out = lines.toBuffer();
    expect(out.toString()).toBe(expected.join(''));
    expect(out.length).toBe(Buffer.byteLength(expected.join('')));
  });
});
