/**
 * One owner per data dir: a `LOCK` file holding the owner's PID and process start time. A second
 * owner (another process, or a second Messenger in this process) is refused; a lock left by a dead
 * process is taken over.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode, MessengerError } from '../errors/index.js';

const LOCK_NAME = 'LOCK';
const heldInThisProcess = new Set<string>();

/** A held data-dir lock. */
export interface DataDirLock {
  /** Path of the lock file. */
  readonly path: string;
  /** Releases the lock; idempotent. */
  release(): void;
}

/** The start time of a process (clock ticks since boot, Linux), or '' where unknown. */
function processStartTime(pid: number): string {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? '';
  } catch {
    return '';
  }
}

function isAlive(pid: number, startTime: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const current = processStartTime(pid);
  return startTime === '' || current === '' || current === startTime;
}

function describeOwner(file: string): { pid: number; startTime: string } | undefined {
  try {
    const [pid, startTime] = fs.readFileSync(file, 'utf8').split('\n');
    const n = Number(pid);
    return Number.isInteger(n) && n > 0 ? { pid: n, startTime: startTime ?? '' } : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the lock of `dataDir` (which must exist) or throws ERR_DATA_DIR_LOCKED naming the owner. */
export function lockDataDir(dataDir: string): DataDirLock {
  const dir = fs.realpathSync(dataDir);
  const file = path.join(dir, LOCK_NAME);
  if (heldInThisProcess.has(dir)) {
    throw new MessengerError(
      ErrorCode.DATA_DIR_LOCKED,
      `data dir ${dataDir} is already open by another Messenger in this process`,
    );
  }
  const content = `${process.pid}\n${processStartTime(process.pid)}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, content);
    try {
      fs.linkSync(tmp, file);
      fs.unlinkSync(tmp);
      heldInThisProcess.add(dir);
      let released = false;
      return {
        path: file,
        release: () => {
          if (released) return;
          released = true;
          heldInThisProcess.delete(dir);
          if (describeOwner(file)?.pid === process.pid) fs.rmSync(file, { force: true });
        },
      };
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = describeOwner(file);
    if (owner !== undefined && owner.pid !== process.pid && isAlive(owner.pid, owner.startTime)) {
      throw new MessengerError(
        ErrorCode.DATA_DIR_LOCKED,
        `data dir ${dataDir} is owned by process ${owner.pid} (lock file ${file}); one process owns a data dir`,
      );
    }
    fs.rmSync(file, { force: true });
  }
  throw new MessengerError(
    ErrorCode.DATA_DIR_LOCKED,
    `data dir ${dataDir}: could not take the lock file ${file}`,
  );
}
