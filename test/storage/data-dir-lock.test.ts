import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { lockDataDir } from '../../internal/storage/index.js';
import { exited, spawnFixture, stdoutLines } from '../support/child.js';
import { tempDir } from '../support/temp-dir.js';

const RACERS = 8;
const ROUNDS = 30;
/** Data dirs raced for one after the other in each round (more races per process start). */
const DIRS_PER_ROUND = 10;

/** The pid and start time of a process that has exited. */
function deadProcess(): { pid: number; startTime: string } {
  const child = spawnSync(process.execPath, ['-e', '']);
  return { pid: child.pid ?? 0, startTime: '12345' };
}

/** Writes a lock file (or takeover file) naming the dead process `dead`. */
function writeStaleLock(dataDir: string, dead: { pid: number; startTime: string }, name = 'LOCK'): void {
  fs.writeFileSync(path.join(dataDir, name), `${dead.pid}\n${dead.startTime}\n`);
}

describe('data-dir lock', () => {
  const racers = Array.from({ length: RACERS }, () => {
    const child = spawnFixture('lock-racer.mjs', []);
    return { child, lines: stdoutLines(child) };
  });
  afterAll(async () => {
    for (const { child } of racers) child.stdin.end();
    await Promise.all(racers.map(({ child }) => exited(child)));
  });

  /** Sends `command` to every racer and waits for each one's next line. */
  async function broadcast(command: string): Promise<string[]> {
    const before = racers.map(({ lines }) => lines.length);
    for (const { child } of racers) child.stdin.write(`${command}\n`);
    await vi.waitFor(
      () => {
        racers.forEach(({ lines }, i) => {
          expect(lines.length).toBeGreaterThan(before[i] ?? 0);
        });
      },
      { timeout: 10_000, interval: 2 },
    );
    return racers.map(({ lines }, i) => lines[before[i] ?? 0] ?? '');
  }

  it(`gives each stale LOCK to exactly one of ${RACERS} processes racing for it (${ROUNDS * DIRS_PER_ROUND} races)`, async () => {
    await vi.waitFor(
      () => {
        for (const { lines } of racers) expect(lines[0]).toBe('ready');
      },
      { timeout: 10_000 },
    );
    const dead = deadProcess();
    for (let round = 0; round < ROUNDS; round++) {
      const dataDirs = Array.from({ length: DIRS_PER_ROUND }, () => {
        const dataDir = tempDir();
        writeStaleLock(dataDir, dead);
        return dataDir;
      });
      const outcomes = (await broadcast(`go ${Date.now() + 30} ${dataDirs.join(' ')}`)).map((line) =>
        line.split(' '),
      );
      dataDirs.forEach((dataDir, i) => {
        const forDir = outcomes.map((words) => words[i]);
        expect(
          forDir.filter((o) => o === 'won'),
          `round ${round}, ${dataDir}: ${forDir.join(', ')}`,
        ).toHaveLength(1);
        expect(forDir.filter((o) => o === 'ERR_DATA_DIR_LOCKED')).toHaveLength(RACERS - 1);
      });
      expect(await broadcast('release')).toEqual(Array(RACERS).fill('released'));
      for (const dataDir of dataDirs) expect(fs.readdirSync(dataDir)).toEqual([]);
    }
  }, 120_000);

  it('takes over a stale LOCK whose takeover was left half-done by a process that died', () => {
    const dataDir = tempDir();
    const stale = deadProcess();
    writeStaleLock(dataDir, stale);
    writeStaleLock(dataDir, deadProcess(), `LOCK.takeover-${stale.pid}-${stale.startTime}`);
    const lock = lockDataDir(dataDir);
    expect(fs.readFileSync(lock.path, 'utf8').split('\n')[0]).toBe(String(process.pid));
    lock.release();
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });
});
