/**
 * The reads of §5.1 over one space's index and channel: a segment's entries, a space's entries after
 * a position, and the deterministic merge of several spaces.
 */
import { readAt } from './channel-reader.js';
import { readSpaceRecord, type StreamEntry } from './entry.js';
import { SkCode, StreamkitError } from './errors.js';
import type { Space } from './space.js';
import { byUtf8Bytes, type Location, type SpaceIndex } from './space-index.js';
import { inTimeWindow, type Bounds } from './window.js';

/** Entries read per index lookup. */
const READ_BATCH = 512;

/** One read of one space. */
export interface SpaceReader {
  space: Space;
  /** Wait for new entries at the end instead of ending there. */
  follow: boolean;
  signal: AbortSignal | undefined;
  /** Whether the store closed (followers end). */
  closed(): boolean;
}

/** Entries of `segment` in sequence order within `bounds`. */
export async function* readSegment(
  r: SpaceReader,
  segment: string,
  bounds: Bounds,
): AsyncGenerator<StreamEntry> {
  const { index } = r.space;
  let sequence = bounds.minSequence;
  let yielded = 0;
  const finalHead = r.follow ? Infinity : (index.segment(segment)?.positions.length ?? 0);
  for (;;) {
    // What the index held when this pass began: a follower waits only for commits after it, so an
    // entry committed while this pass was yielding is read by the next pass, never waited past.
    const seen = index.lastPosition;
    const head = index.segment(segment);
    const upto = Math.min(head?.positions.length ?? 0, bounds.maxSequence, finalHead);
    while (sequence <= upto && head !== undefined) {
      const batchEnd = Math.min(upto, sequence + READ_BATCH - 1);
      const positions = head.positions.slice(sequence - 1, batchEnd);
      sequence = batchEnd + 1;
      for (const entry of await readPositions(r.space, inWindow(index, positions, bounds))) {
        yield entry;
        if (++yielded >= bounds.limit) return;
      }
      if (isAborted(r.signal)) return;
    }
    if (!(await keepFollowing(r, seen, sequence > bounds.maxSequence))) return;
  }
}

/** Entries of the space in position order, strictly after `after`, within `bounds`. */
export async function* readSpace(r: SpaceReader, after: number, bounds: Bounds): AsyncGenerator<StreamEntry> {
  const { index } = r.space;
  let position = after + 1;
  let yielded = 0;
  const finalHead = r.follow ? Infinity : index.lastPosition;
  for (;;) {
    const seen = index.lastPosition;
    const upto = Math.min(seen, finalHead);
    while (position <= upto) {
      const batchEnd = Math.min(upto, position + READ_BATCH - 1);
      const positions: number[] = [];
      for (let p = position; p <= batchEnd; p++) positions.push(p);
      position = batchEnd + 1;
      for (const entry of await readPositions(r.space, inWindow(index, positions, bounds))) {
        yield entry;
        if (++yielded >= bounds.limit) return;
      }
      if (isAborted(r.signal)) return;
    }
    if (!(await keepFollowing(r, seen, false))) return;
  }
}

/** Merges finite space reads by (timestamp, space, position), at most `limit` entries. */
export async function* mergeSpaces(
  sources: readonly AsyncGenerator<StreamEntry>[],
  limit: number,
): AsyncGenerator<StreamEntry> {
  const heads = await Promise.all(sources.map((s) => s.next()));
  let yielded = 0;
  try {
    while (yielded < limit) {
      let best = -1;
      for (const [i, head] of heads.entries()) {
        if (head.done === true) continue;
        const current = heads[best];
        if (current === undefined || current.done === true || isBefore(head.value, current.value)) best = i;
      }
      const chosen = heads[best];
      const source = sources[best];
      if (chosen === undefined || chosen.done === true || source === undefined) return;
      yield chosen.value;
      yielded++;
      heads[best] = await source.next();
    }
  } finally {
    await Promise.all(sources.map((s) => s.return(undefined)));
  }
}

/** The visible entries at `positions` (ascending), read from the channel. */
export async function readPositions(space: Space, positions: readonly number[]): Promise<StreamEntry[]> {
  const locations: Location[] = [];
  for (const p of positions) {
    const location = space.index.location(p);
    if (location !== undefined) locations.push(location);
  }
  const entries: StreamEntry[] = [];
  for (const env of await readAt(space.log, locations)) {
    const record = env === undefined ? undefined : readSpaceRecord(env, space.name);
    if (record?.kind !== 'entry') {
      throw new StreamkitError(
        SkCode.INTERNAL,
        `space ${JSON.stringify(space.name)}: an indexed entry could not be read back`,
      );
    }
    entries.push(record.entry);
  }
  return entries;
}

/** For a follower: waits until the index holds a position past `seen`; false when the read ends. */
async function keepFollowing(r: SpaceReader, seen: number, windowDone: boolean): Promise<boolean> {
  if (!r.follow || windowDone || r.closed() || isAborted(r.signal)) return false;
  await r.space.index.waitForPosition(seen, r.signal);
  return !r.closed() && !isAborted(r.signal);
}

function inWindow(index: SpaceIndex, positions: readonly number[], bounds: Bounds): number[] {
  if (bounds.minTimestamp === 0 && bounds.maxTimestamp === Infinity) return [...positions];
  return positions.filter((p) => inTimeWindow(bounds, index.timestampAt(p)));
}

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function isBefore(a: StreamEntry, b: StreamEntry): boolean {
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp;
  if (a.space !== b.space) return byUtf8Bytes(a.space, b.space) < 0;
  return a.position < b.position;
}
