/**
 * A peer's server running as a child process on 127.0.0.1 with its own temporary data dir: started
 * and awaited until it logs that it is ready, stopped with SIGTERM (SIGKILL after 5 s) and its dir
 * removed.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { benchDir, cleanup } from '../measure.js';

/** A running peer server. */
export interface PeerProcess {
  /** TCP port on 127.0.0.1. */
  port: number;
  /** Its temporary data dir. */
  dir: string;
  /** Stops the server and removes its data dir. */
  stop(): Promise<void>;
}

/** How to start one peer server. */
export interface PeerLaunch {
  /** Short name for the data dir and error messages. */
  name: string;
  binary: string;
  /** The arguments, given the data dir and the port to listen on. */
  args(dir: string, port: number): string[];
  /** Writes config files into the data dir before the start (optional). */
  prepare?(dir: string, port: number): void;
  /** A line of the server's stdout or stderr that says it accepts connections. */
  ready: RegExp;
}

/** How long a peer may take to log its ready line before the start is given up. */
const START_TIMEOUT_MS = 15_000;

/** A TCP port that was free on 127.0.0.1 a moment ago (for servers that cannot listen on port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/** Starts the server and resolves once it logged its ready line; rejects with its output if it exits first. */
export async function startPeer(launch: PeerLaunch): Promise<PeerProcess> {
  const dir = benchDir(`peer-${launch.name}`);
  const port = await freePort();
  launch.prepare?.(dir, port);
  const child = spawn(launch.binary, launch.args(dir, port), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  const output: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(
          new Error(
            `${launch.binary} did not log ${String(launch.ready)} within ${START_TIMEOUT_MS} ms:\n${output.join('\n')}`,
          ),
        );
      }, START_TIMEOUT_MS);
      for (const stream of [child.stdout, child.stderr]) {
        createInterface({ input: stream }).on('line', (line) => {
          if (output.length < 50) output.push(line);
          if (launch.ready.test(line)) {
            clearTimeout(timer);
            resolve();
          }
        });
      }
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(
          new Error(`${launch.binary} exited (${code ?? signal}) before it was ready:\n${output.join('\n')}`),
        );
      });
    });
  } catch (err) {
    cleanup(dir);
    throw err;
  }
  return {
    port,
    dir,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      cleanup(dir);
    },
  };
}

/** Runs `body` with a freshly started peer and stops the peer after, whatever happens. */
export async function withPeer<T>(launch: PeerLaunch, body: (peer: PeerProcess) => Promise<T>): Promise<T> {
  const peer = await startPeer(launch);
  try {
    return await body(peer);
  } finally {
    await peer.stop();
  }
}
