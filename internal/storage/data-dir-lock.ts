/**
 * One owner per data dir: a `LOCK` file holding the owner's PID and process start time. A second
 * owner (another process, or a second Messenger in this process) is refused; a lock left by a dead
 * process is taken over, by exactly one of the processes that race for it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode, MessengerError } from '../errors/index.js';

const LOCK_NAME = 'LOCK';
const heldInThisProcess = new Set<string>();

/** How long a process waits for another one that is taking over a stale lock right now. */
const TAKEOVER_WAIT_MS = 2_000;
const TAKEOVER_POLL_MS = 2;
const pause = new Int32Array(new SharedArrayBuffer(4));

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

/** Whether `pid` runs the process that wrote the file; this process holds no lock it has not recorded. */
function isAlive(pid: number, startTime: string): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const current = processStartTime(pid);
  return startTime === '' || current === '' || current === startTime;
}

/** A lock or takeover file's content: who wrote it, as read. */
interface Holder {
  readonly pid: number;
  readonly startTime: string;
  /** The file's text, compared to tell one holder from the next. */
  readonly text: string;
}

/** The holder named in `file`; undefined when the file is missing; pid 0 when unreadable. */
function readHolder(file: string): Holder | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const [pid, startTime] = text.split('\n');
  const n = Number(pid);
  return { pid: Number.isInteger(n) && n > 0 ? n : 0, startTime: startTime ?? '', text };
}

function isStale(holder: Holder): boolean {
  return holder.pid === 0 || !isAlive(holder.pid, holder.startTime);
}

/** Creates `file` holding `content` unless it exists (write a temporary file, then hard-link it). */
function createExclusive(file: string, content: string): boolean {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content);
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** The takeover file that guards the removal of `file` while it holds `holder`. */
function takeoverFileOf(file: string, holder: Holder): string {
  return `${file}.takeover-${holder.pid}-${holder.startTime.replace(/\D/g, '') || 'x'}`;
}

/**
 * Removes `file` if it still holds the stale `holder`, under a takeover file only one process can
 * create: of several processes that found the same stale holder, one removes it and the others
 * find a new holder (or none) when they look again. A takeover file left by a process that died
 * during its takeover is itself removed the same way. Returns false while another live process is
 * taking over.
 */
function removeStale(file: string, holder: Holder, me: string): boolean {
  const guard = takeoverFileOf(file, holder);
  if (!createExclusive(guard, me)) {
    const other = readHolder(guard);
    if (other !== undefined && !isStale(other)) return false;
    if (other !== undefined) removeStale(guard, other, me);
    return false;
  }
  try {
    if (readHolder(file)?.text === holder.text) fs.rmSync(file, { force: true });
  } finally {
    fs.rmSync(guard, { force: true });
  }
  return true;
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
  const me = `${process.pid}\n${processStartTime(process.pid)}\n`;
  const deadline = Date.now() + TAKEOVER_WAIT_MS;
  for (;;) {
    if (createExclusive(file, me)) return held(dir, file, me);
    const owner = readHolder(file);
    if (owner === undefined) continue;
    if (!isStale(owner)) {
      throw new MessengerError(
        ErrorCode.DATA_DIR_LOCKED,
        `data dir ${dataDir} is owned by process ${owner.pid} (lock file ${file}); one process owns a data dir`,
      );
    }
    if (removeStale(file, owner, me)) continue;
    if (Date.now() > deadline) {
      throw new MessengerError(
        ErrorCode.DATA_DIR_LOCKED,
        `data dir ${dataDir}: could not take over the stale lock file ${file} within ${TAKEOVER_WAIT_MS} ms (another process is taking it over)`,
      );
    }
    Atomics.wait(pause, 0, 0, TAKEOVER_POLL_MS);
  }
}

/**
 * Throws ERR_DATA_DIR_LOCKED when a live process (or a Messenger in this process) owns `dataDir`;
 * changes nothing: a lock file left by a dead process is left in place, not taken over. What a
 * read-only open checks (it takes no lock, so a daemon may start while it reads: it then reads a
 * prefix of what the daemon holds).
 */
export function assertDataDirUnowned(dataDir: string): void {
  const dir = fs.realpathSync(dataDir);
  const file = path.join(dir, LOCK_NAME);
  const owner = readHolder(file);
  if (heldInThisProcess.has(dir) || (owner !== undefined && owner.pid !== 0 && !isStale(owner))) {
    const who = owner === undefined ? 'a Messenger in this process' : `process ${owner.pid}`;
    throw new MessengerError(
      ErrorCode.DATA_DIR_LOCKED,
      `data dir ${dataDir} is in use by ${who} (lock file ${file}); stop it first, or go through a hub`,
    );
  }
}

function held(dir: string, file: string, me: string): DataDirLock {
  heldInThisProcess.add(dir);
  let released = false;
  return {
    path: file,
    release: () => {
      if (released) return;
      released = true;
      heldInThisProcess.delete(dir);
      if (readHolder(file)?.text === me) fs.rmSync(file, { force: true });
    },
  };
}
