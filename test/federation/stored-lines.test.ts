import { describe, expect, it } from 'vitest';
import { StoredLines } from '../../internal/federation/stored-lines.js';

describe('StoredLines', () => {
  it('splices the insert into every record and keeps text lines as given, in order', () => {
    const insert = Buffer.from(',"route":["hub1"]');
    const lines = new StoredLines(insert);
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
      lines.addRecord(id, Buffer.from(head + tail), head.length);
      expected.push(`${head},"route":["hub1"]${tail}\n`);
    }
    expect(lines.count).toBe(200);
    expect(lines.ids.slice(0, 3)).toEqual(['m0', 'm1', 'm2']);
    const out = lines.toBuffer();
    expect(out.toString()).toBe(expected.join(''));
    expect(out.length).toBe(Buffer.byteLength(expected.join('')));
  });
});
