/**
 * The segment-file seam: the writer touches segment files only through these two interfaces, so
 * tests can inject ENOSPC, EIO and partial writes without mocking the writer.
 */
import fs from 'node:fs';
import { promisify } from 'node:util';
import { ErrorCode, MessengerError } from '../errors/index.js';

const fdatasync = promisify(fs.fdatasync);

/** An open segment file, appended at its end. */
export interface SegmentFile {
  /** Path of the file. */
  readonly path: string;
  /**
   * Appends `data` at the end of the file synchronously. Returns the bytes written, which may be
   * fewer than `data.length` (a partial write); throws on error (ENOSPC, EIO …).
   */
  write(data: Uint8Array): number;
  /** Flushes the file's data to stable storage, in the thread pool. */
  datasync(): Promise<void>;
  /** Flushes the file's data to stable storage on the calling thread. */
  datasyncNow(): void;
  /** Cuts the file to `size` bytes. */
  truncate(size: number): void;
  /** The file's current size in bytes. */
  size(): number;
  /** Closes the file; calling it twice is harmless. */
  close(): void;
}

/** Opens segment files. */
export interface SegmentFs {
  /** Opens an existing file for appending. */
  open(path: string): SegmentFile;
  /** Creates a new, empty file for appending; fails if it exists. */
  create(path: string): SegmentFile;
}

/**
 * Writes every byte of `data` at the end of `file`, carrying on after partial writes. Throws on the
 * first failed write, which may leave part of `data` written: the caller cuts the file back.
 */
export function writeFully(file: SegmentFile, data: Uint8Array): void {
  let written = 0;
  while (written < data.length) {
    const n = file.write(written === 0 ? data : data.subarray(written));
    if (n <= 0) throw new MessengerError(ErrorCode.STORAGE_IO, `write to ${file.path} returned ${n}`);
    written += n;
  }
}

/** Opens `path` for appending, creating it when missing. */
export function openOrCreate(segmentFs: SegmentFs, path: string): SegmentFile {
  try {
    return segmentFs.open(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  try {
    return segmentFs.create(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return segmentFs.open(path);
  }
}

class NodeSegmentFile implements SegmentFile {
  readonly path: string;
  #fd: number | undefined;

  constructor(path: string, fd: number) {
    this.path = path;
    this.#fd = fd;
  }

  #handle(): number {
    if (this.#fd === undefined)
      throw new MessengerError(ErrorCode.STORAGE_IO, `segment file ${this.path} is closed`);
    return this.#fd;
  }

  write(data: Uint8Array): number {
    return fs.writeSync(this.#handle(), data);
  }

  async datasync(): Promise<void> {
    await fdatasync(this.#handle());
  }

  datasyncNow(): void {
    fs.fdatasyncSync(this.#handle());
  }

  truncate(size: number): void {
    fs.ftruncateSync(this.#handle(), size);
  }

  size(): number {
    return fs.fstatSync(this.#handle()).size;
  }

  close(): void {
    if (this.#fd === undefined) return;
    const fd = this.#fd;
    this.#fd = undefined;
    fs.closeSync(fd);
  }
}

/** The real file system: `O_APPEND` writes, `fdatasync`, mode 0644. */
export const nodeSegmentFs: SegmentFs = {
  open: (path) => new NodeSegmentFile(path, fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_APPEND)),
  create: (path) =>
    new NodeSegmentFile(
      path,
      fs.openSync(
        path,
        fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_EXCL,
        0o644,
      ),
    ),
};
