/**
 * Resync (§7.1): a replica that finds a gap asks the authority for the missing positions with
 * `streamkit.resync.v1` on `sk.<store>._req`; the authority answers the lines of its channel exactly as
 * they are there, in position order.
 */
import { RpcCloseError, type RpcHandler } from '../rpc/index.js';
import { readLinesAt } from './channel-reader.js';
import { badRequest, StreamkitError } from './errors.js';
import { validateSpace } from './names.js';
import type { Location } from './space-index.js';
import type { Space } from './space.js';

/** Request type of a resync. */
export const RESYNC_TYPE = 'streamkit.resync.v1';

/** Most positions one resync asks for (a transaction holds at most as many entries). */
export const MAX_RESYNC_POSITIONS = 10_000;

/** Characters of lines gathered in one data frame (a longer single line travels alone). */
const FRAME_CHARS = 256 * 1024;

/** A resync as it travels: the positions `after` + 1 … `until` of `space`. */
export interface ResyncBody {
  space: string;
  after: number;
  until: number;
}

/** One data frame of the answer: lines of the space channel, without their newline. */
export interface ResyncFrame {
  lines: string[];
}

/** Reads a resync body; 4000 naming what is wrong. */
export function resyncBodyOf(body: unknown): ResyncBody {
  const b = body as Partial<Record<keyof ResyncBody, unknown>> | null;
  if (b === null || typeof b !== 'object') throw badRequest('resync body must be an object');
  const { space, after, until } = b;
  if (typeof space !== 'string') throw badRequest('resync space must be a string');
  validateSpace(space);
  if (!isPosition(after) || !isPosition(until) || until <= after) {
    throw badRequest(
      `resync needs whole numbers 0 ≤ after < until, got after ${String(after)} until ${String(until)}`,
    );
  }
  if (until - after > MAX_RESYNC_POSITIONS) {
    throw badRequest(`resync asks for at most ${MAX_RESYNC_POSITIONS} positions, got ${until - after}`);
  }
  return { space, after, until };
}

function isPosition(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * The authority's handler: `lines` gives the channel's lines of positions `after` + 1 … `until` it
 * holds (fewer when it holds fewer), in batches; they are sent in frames of at most about 256 KiB.
 */
export function resyncHandler(
  lines: (body: ResyncBody, signal: AbortSignal) => AsyncIterable<readonly string[]>,
): RpcHandler {
  return async (request, writer) => {
    let body: ResyncBody;
    try {
      body = resyncBodyOf(request.body);
    } catch (err) {
      if (err instanceof StreamkitError) throw new RpcCloseError(err.wireCode, err.message);
      throw err;
    }
    let frame: string[] = [];
    let chars = 0;
    for await (const batch of lines(body, writer.signal)) {
      for (const line of batch) {
        if (frame.length > 0 && chars + line.length > FRAME_CHARS) {
          await writer.write({ lines: frame } satisfies ResyncFrame);
          frame = [];
          chars = 0;
        }
        frame.push(line);
        chars += line.length;
      }
    }
    if (frame.length > 0) await writer.write({ lines: frame } satisfies ResyncFrame);
  };
}

/** The lines of one answer frame; undefined when the frame is malformed. */
export function frameLines(frame: unknown): string[] | undefined {
  const lines = (frame as Partial<ResyncFrame> | null)?.lines;
  if (!Array.isArray(lines) || !lines.every((l): l is string => typeof l === 'string')) return undefined;
  return lines;
}

/** Positions read per batch when answering. */
const READ_POSITIONS = 1_000;

/** The lines of `space`'s visible positions `after` + 1 … `until` (up to its head), in batches. */
export async function* spaceLines(
  space: Space | undefined,
  { after, until }: ResyncBody,
  signal: AbortSignal,
): AsyncGenerator<string[]> {
  if (space === undefined) return;
  const last = Math.min(until, space.index.lastPosition);
  for (let from = after + 1; from <= last && !signal.aborted; from += READ_POSITIONS) {
    const locations: Location[] = [];
    for (let p = from; p <= Math.min(last, from + READ_POSITIONS - 1); p++) {
      const location = space.index.location(p);
      if (location !== undefined) locations.push(location);
    }
    yield await readLinesAt(space.log, locations);
  }
}
