/**
 * A segment file system that injects faults into the real one: each planned fault makes one
 * write (or datasync, truncate, create) fail, or write only part of its data first.
 */
import fs from 'node:fs';
import { nodeSegmentFs, type SegmentFile, type SegmentFs } from '../../internal/storage/index.js';

/** One injected failure. */
export type Fault =
  | { op: 'write'; code: 'ENOSPC' | 'EIO'; partialBytes?: number }
  | { op: 'datasync'; code: 'EIO' }
  | { op: 'truncate'; code: 'EIO' }
  | { op: 'create'; code: 'EACCES' };

function errnoError(code: string, op: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${code}: injected fault, ${op}`);
  err.code = code;
  return err;
}

/** Wraps the real segment fs; faults are consumed in order as matching operations happen. */
export class FaultyFs implements SegmentFs {
  readonly faults: Fault[] = [];
  writes = 0;
  /** Fsyncs of either kind. */
  datasyncs = 0;
  /** Of those, fsyncs made on the calling thread (datasyncNow). */
  datasyncsNow = 0;
  /** While true, every write fails with ENOSPC (a full disk), without consuming faults. */
  diskFull = false;

  open(path: string): SegmentFile {
    return this.#wrap(nodeSegmentFs.open(path));
  }

  create(path: string): SegmentFile {
    if (this.#take('create') !== undefined) throw errnoError('EACCES', 'create');
    return this.#wrap(nodeSegmentFs.create(path));
  }

  #take(op: Fault['op']): Fault | undefined {
    const i = this.faults.findIndex((f) => f.op === op);
    return i < 0 ? undefined : this.faults.splice(i, 1)[0];
  }

  #wrap(file: SegmentFile): SegmentFile {
    return {
      path: file.path,
      write: (data) => {
        this.writes++;
        if (this.diskFull) throw errnoError('ENOSPC', 'write');
        const fault = this.#take('write');
        if (fault?.op === 'write') {
          if (fault.partialBytes !== undefined) {
            const fd = fs.openSync(file.path, 'a');
            fs.writeSync(fd, data.subarray(0, fault.partialBytes));
            fs.closeSync(fd);
          }
          throw errnoError(fault.code, 'write');
        }
        return file.write(data);
      },
      datasync: async () => {
        this.datasyncs++;
        if (this.#take('datasync') !== undefined) throw errnoError('EIO', 'datasync');
        await file.datasync();
      },
      datasyncNow: () => {
        this.datasyncs++;
        this.datasyncsNow++;
        if (this.#take('datasync') !== undefined) throw errnoError('EIO', 'datasync');
        file.datasyncNow();
      },
      truncate: (size) => {
        if (this.#take('truncate') !== undefined) throw errnoError('EIO', 'truncate');
        file.truncate(size);
      },
      size: () => file.size(),
      close: () => {
        file.close();
      },
    };
  }
}
