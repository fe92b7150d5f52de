import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonLinesLogger } from '../../internal/logger/index.js';
import { tempDir } from '../support/temp-dir.js';

/** A JSON-lines logger at `level` writing into a temp file, and the lines written so far. */
function capture(level: Parameters<typeof jsonLinesLogger>[1]): {
  logger: ReturnType<typeof jsonLinesLogger>;
  raw: () => string[];
} {
  const file = path.join(tempDir(), 'log.jsonl');
  const fd = fs.openSync(file, 'a');
  return {
    logger: jsonLinesLogger(fd, level),
    raw: () => fs.readFileSync(file, 'utf8').split('\n').slice(0, -1),
  };
}

describe('the JSON-lines logger', () => {
  it("writes pino's line: level, time, pid, hostname, bindings, fields, then msg", () => {
    const { logger, raw } = capture('info');
    const before = Date.now();
    logger.child({ component: 'storage' }).child({ channel: 'a' }).info({ n: 1, channel: 'b' }, 'hello');
    const [line] = raw();
    expect(Object.keys(JSON.parse(line!) as object)).toEqual([
      'level',
      'time',
      'pid',
      'hostname',
      'component',
      'channel',
      'n',
      'msg',
    ]);
    const parsed = JSON.parse(line!) as Record<string, unknown>;
    expect(parsed).toMatchObject({
      level: 30,
      pid: process.pid,
      hostname: os.hostname(),
      component: 'storage',
      channel: 'b',
      n: 1,
      msg: 'hello',
    });
    expect(parsed.time).toBeGreaterThanOrEqual(before);
  });

  it('writes the levels at and above its own, and a level set later applies to children made before', () => {
    const { logger, raw } = capture('info');
    const child = logger.child({ component: 'admin' });
    child.debug({}, 'hidden');
    child.warn({}, 'shown');
    logger.level = 'debug';
    child.debug({}, 'now shown');
    logger.level = 'silent';
    child.error({}, 'silenced');
    expect(raw().map((l) => JSON.parse(l) as { level: number; msg: string })).toEqual([
      expect.objectContaining({ level: 40, msg: 'shown' }),
      expect.objectContaining({ level: 20, msg: 'now shown' }),
    ]);
  });

  it("writes an err as pino's serializer does: type, message and stack with causes, its other properties", () => {
    const { logger, raw } = capture('info');
    const cause = Object.assign(new Error('disk full'), { code: 'ENOSPC' });
    const err = Object.assign(new TypeError('write failed', { cause }), { code: 'E_WRITE', attempt: 3 });
    logger.error({ err }, 'failed');
    const logged = (JSON.parse(raw()[0]!) as { err: Record<string, unknown> }).err;
    expect(logged).toMatchObject({
      type: 'TypeError',
      message: 'write failed: disk full',
      code: 'E_WRITE',
      attempt: 3,
    });
    expect(logged.stack).toMatch(/^TypeError: write failed\n[\s\S]*\ncaused by: Error: disk full\n/);
    expect(logged).not.toHaveProperty('cause');
  });

  it('writes a line whose fields JSON cannot hold (a cycle, a BigInt) instead of losing it', () => {
    const { logger, raw } = capture('info');
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic.self = cyclic;
    logger.info({ cyclic, big: 10n }, 'odd fields');
    expect(JSON.parse(raw()[0]!)).toMatchObject({
      cyclic: { name: 'a', self: '[Circular]' },
      big: '10',
      msg: 'odd fields',
    });
  });
});
