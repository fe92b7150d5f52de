/**
 * Finding the peers' server binaries. Debian installs `nats-server` and `mosquitto` in /usr/sbin,
 * which a normal user's PATH leaves out, so the search covers PATH and then the sbin folders;
 * `KEYOP_BENCH_PEER_PATH` replaces the whole search path (tests use it to hide a peer).
 */
import fs from 'node:fs';
import path from 'node:path';

/** The peers started as server processes, by the name of their binary. */
export const PEER_BINARIES = {
  redis: { binary: 'redis-server', install: 'apt-get install redis-server' },
  nats: { binary: 'nats-server', install: 'apt-get install nats-server' },
  mosquitto: { binary: 'mosquitto', install: 'apt-get install mosquitto' },
} as const;

/** A peer started as a server process. */
export type PeerName = keyof typeof PEER_BINARIES;

/** The folders searched for a peer's binary, in order. */
export function peerSearchPath(env: NodeJS.ProcessEnv = process.env): string[] {
  const override = env.KEYOP_BENCH_PEER_PATH;
  if (override !== undefined) return override.split(path.delimiter).filter((d) => d !== '');
  const dirs = (env.PATH ?? '').split(path.delimiter).filter((d) => d !== '');
  return [...dirs, '/usr/local/sbin', '/usr/sbin', '/sbin'];
}

/** The first executable file named `binary` in `dirs`, or undefined. */
export function findExecutable(binary: string, dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    const candidate = path.join(dir, binary);
    try {
      if (fs.statSync(candidate).isFile()) {
        fs.accessSync(candidate, fs.constants.X_OK);
        return candidate;
      }
    } catch {
      // not here (or not executable): try the next folder
    }
  }
  return undefined;
}

/** What detection found for one peer. */
export type PeerDetection =
  { peer: PeerName; found: true; binary: string } | { peer: PeerName; found: false; message: string };

/** Looks for each peer's binary; a missing one gets a message naming the package to install. */
export function detectPeers(dirs: readonly string[] = peerSearchPath()): PeerDetection[] {
  return (Object.keys(PEER_BINARIES) as PeerName[]).map((peer) => {
    const { binary, install } = PEER_BINARIES[peer];
    const found = findExecutable(binary, dirs);
    if (found !== undefined) return { peer, found: true, binary: found };
    return {
      peer,
      found: false,
      message: `${binary} not found in ${dirs.join(path.delimiter)}; its scenarios are skipped (install it with: ${install})`,
    };
  });
}
