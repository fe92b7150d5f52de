/** `keyop-messenger run` as a real child process: its JSON log lines, its start, its exit. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import readline from 'node:readline';
import { expect, vi } from 'vitest';
import { CLI_MAIN } from './process.js';

/** One parsed pino line. */
export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** pino's numeric levels. */
export const LogLevel = { info: 30, warn: 40, error: 50 } as const;

/** A spawned daemon. */
export interface DaemonProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** Every stdout line so far, parsed. */
  readonly lines: LogLine[];
  /** Every stdout line so far, as written. */
  readonly rawLines: string[];
  /** Everything written to stderr so far. */
  readonly stderr: () => string;
  /** The first info line; rejects when the process exits before logging one. */
  readonly started: Promise<LogLine>;
  /** The exit code (or the signal that ended it). */
  readonly exited: Promise<number | NodeJS.Signals>;
}

const running = new Set<ChildProcessWithoutNullStreams>();

/** Environment of the daemon: the test's, without its KEYOP_MESSENGER_* variables, plus `extra`. */
function daemonEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('KEYOP_MESSENGER_')),
  );
  return { ...env, ...extra };
}

/** Starts `keyop-messenger ...args` in `cwd` (the CLI at `cli`, this checkout's by default). */
export function spawnDaemon(
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
  cli: string = CLI_MAIN,
): DaemonProcess {
  const child = spawn(process.execPath, [cli, ...args], { cwd, env: daemonEnv(env), stdio: 'pipe' });
  running.add(child);
  const lines: LogLine[] = [];
  const rawLines: string[] = [];
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | NodeJS.Signals>((resolve) => {
    // 'close' comes after stdout and stderr ended, so every line is in by then.
    child.once('close', (code, signal) => {
      running.delete(child);
      resolve(code ?? signal ?? -1);
    });
  });
  const started = new Promise<LogLine>((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).on('line', (text) => {
      rawLines.push(text);
      const line = JSON.parse(text) as LogLine;
      lines.push(line);
      if (line.level === LogLevel.info) resolve(line);
    });
    void exited.then((code) => {
      reject(new Error(`daemon exited (${code}) before its first info line; stderr: ${stderr}`));
    });
  });
  started.catch(() => undefined);
  return { child, lines, rawLines, stderr: () => stderr, started, exited };
}

/** Stops `daemon` with SIGTERM and expects it to exit with 0. */
export async function stopCleanly(daemon: DaemonProcess): Promise<void> {
  daemon.child.kill('SIGTERM');
  expect(await daemon.exited).toBe(0);
}

/** Kills daemons a failed test left running (call in afterEach). */
export function killLeftoverDaemons(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** The status code of `GET url` (HTTPS trusting `ca` when given). */
export function getStatus(url: string, ca?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onResponse = (res: http.IncomingMessage): void => {
      res.resume();
      resolve(res.statusCode ?? 0);
    };
    const req = url.startsWith('https:')
      ? https.get(url, { agent: false, ...(ca === undefined ? {} : { ca }) }, onResponse)
      : http.get(url, { agent: false }, onResponse);
    req.once('error', reject);
  });
}

/** Waits for the first line `daemon` logged after its line number `from` with `msg`, and returns it. */
export async function logged(daemon: DaemonProcess, from: number, msg: string): Promise<LogLine> {
  await vi.waitFor(() => {
    expect(daemon.lines.slice(from).some((line) => line.msg === msg)).toBe(true);
  });
  return daemon.lines.slice(from).find((line) => line.msg === msg)!;
}
