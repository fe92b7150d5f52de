/**
 * The daemon's part of the `footprint` group: `keyop-messenger run` spawned with an empty config and
 * a temp data dir, timed from spawn to the first `/readyz` 200, and its RSS after idling; bare Node
 * idling next to it is the floor.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** The CLI package.json's "bin" names: the bundle (DESIGN.md §12.1). */
const CLI = fileURLToPath(new URL('../bundle/cli.js', import.meta.url));

/** A spawned daemon and when it answered `/readyz` 200. */
export interface ReadyDaemon {
  child: ChildProcess;
  readyMs: number;
  /**
   * CPU time the daemon's main thread had used when `/readyz` answered 200, in ms (Linux; undefined
   * elsewhere): the part of `readyMs` that other processes' load does not stretch.
   */
  readyCpuMs: number | undefined;
  httpUrl: string;
  /** The federation hub's address, when the config enables it. */
  hubAddr: string | undefined;
}

/** The status code of a GET of `url` (HTTPS through `agent`, which trusts the instance CA). */
export function statusOf(url: string, agent?: https.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? https.get(url, { agent }) : http.get(url);
    get.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    get.on('error', reject);
  });
}

/** CPU time of a process's main thread in ms, from /proc (undefined where there is none). */
function mainThreadCpuMs(pid: number): number | undefined {
  try {
    // The first field of schedstat is the time spent on a CPU, in nanoseconds.
    return Number(fs.readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return undefined;
  }
}

/** The RSS of a running process in MB (from /proc, so the process is not disturbed). */
export function rssMbOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) / 1024;
}

interface StartedLine {
  httpUrl: string;
  hubAddr?: string;
}

/** The daemon's "started" log line (the one naming `httpUrl`). */
function startedLine(child: ChildProcess): Promise<StartedLine> {
  const lines = readline.createInterface({ input: child.stdout! });
  return new Promise((resolve, reject) => {
    lines.on('line', (line) => {
      const started = JSON.parse(line) as Partial<StartedLine>;
      if (started.httpUrl !== undefined) resolve({ ...started, httpUrl: started.httpUrl });
    });
    child.once('exit', (code) => {
      reject(new Error(`daemon exited (${String(code)}) before it started`));
    });
  });
}

/**
 * Spawns `keyop-messenger run` on a config naming only the data dir (in `dir`) and an ephemeral HTTP
 * port (`extraYaml` adds keys), and polls `/readyz` until it answers 200 (through `agent` for HTTPS).
 */
export async function spawnReadyDaemon(
  dir: string,
  extraYaml = '',
  agent?: https.Agent,
): Promise<ReadyDaemon> {
  const config = path.join(dir, 'config.yaml');
  fs.writeFileSync(
    config,
    `storage:\n  data_dir: ${JSON.stringify(path.join(dir, 'data'))}\nhttp:\n  listen_addr: 127.0.0.1:0\n${extraYaml}`,
  );
  const start = performance.now();
  const child = spawn(process.execPath, [CLI, 'run', '-c', config], { stdio: ['ignore', 'pipe', 'inherit'] });
  const { httpUrl, hubAddr } = await startedLine(child);
  for (;;) {
    if ((await statusOf(`${httpUrl}/readyz`, agent)) === 200) {
      const readyMs = performance.now() - start;
      return { child, readyMs, readyCpuMs: mainThreadCpuMs(child.pid!), httpUrl, hubAddr };
    }
    await sleep(1);
  }
}

/** Stops a spawned process and waits for its exit. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Milliseconds from spawn to ready, and the main thread's CPU time by then; the daemon is stopped after. */
export async function daemonReady(dir: string): Promise<{ readyMs: number; readyCpuMs: number | undefined }> {
  const daemon = await spawnReadyDaemon(dir);
  await stopChild(daemon.child);
  return { readyMs: daemon.readyMs, readyCpuMs: daemon.readyCpuMs };
}

/** RSS of the daemon and of bare Node, started at the same time, after `idleMs` past the daemon's ready. */
export async function daemonIdleRss(
  dir: string,
  idleMs: number,
): Promise<{ idleRssMb: number; floorRssMb: number }> {
  const floor = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
  const daemon = await spawnReadyDaemon(dir);
  try {
    await sleep(idleMs);
    return { idleRssMb: rssMbOf(daemon.child.pid!), floorRssMb: rssMbOf(floor.pid!) };
  } finally {
    await Promise.all([stopChild(daemon.child), stopChild(floor)]);
  }
}
