/** Limits on `storage.data_dir`, so a path the file system would refuse is a config error, not a crash. */
import path from 'node:path';

/** Longest file name the file systems we run on accept (NAME_MAX), in bytes. */
const MAX_NAME_BYTES = 255;

/**
 * Longest data dir, in bytes, once made absolute: PATH_MAX (4096) less 1 KiB for the paths below it
 * (`subscribers/<channel of up to 255 bytes>/<subscriber>.offset` and the like).
 */
export const MAX_DATA_DIR_BYTES = 3072;

/** Why `dataDir` cannot hold the data (too long a path or name), or undefined when it can. */
export function dataDirProblem(dataDir: string): string | undefined {
  if (dataDir.includes('\0')) return 'must not contain a NUL character';
  const absolute = path.resolve(dataDir);
  const bytes = Buffer.byteLength(absolute);
  if (bytes > MAX_DATA_DIR_BYTES) {
    return `is ${bytes} bytes long once absolute; at most ${MAX_DATA_DIR_BYTES} leaves room for the files below it`;
  }
  const longName = absolute.split(path.sep).find((name) => Buffer.byteLength(name) > MAX_NAME_BYTES);
  if (longName !== undefined) {
    const shown = `${longName.slice(0, 20)}…`;
    return `has a name of ${Buffer.byteLength(longName)} bytes (${JSON.stringify(shown)}); at most ${MAX_NAME_BYTES}`;
  }
  return undefined;
}
