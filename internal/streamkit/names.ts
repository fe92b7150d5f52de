/** Store, space and segment names, and the channel names they map to (streamkit.md §1). */
import { typeName } from '../errors/index.js';
import { badRequest } from './errors.js';

const STORE = /^[a-z0-9-]{1,64}$/;
const SPACE = /^[A-Za-z0-9-][A-Za-z0-9_-]{0,99}$/;
const MAX_SEGMENT_BYTES = 1024;

/** Channel-name prefix of every channel of the convention. */
export const NAMESPACE = 'sk';

/** Why `store` is not a store name (`[a-z0-9-]{1,64}`), or undefined when it is one. */
export function storeNameProblem(store: string): string | undefined {
  // `RegExp.test` reads `undefined` as the string "undefined": a JavaScript caller's missing name.
  if (typeof store !== 'string') return `must be a string, not ${typeName(store)}`;
  return STORE.test(store) ? undefined : 'must be 1-64 characters of [a-z0-9-]';
}

/** Throws 4000 unless `store` is `[a-z0-9-]{1,64}`. */
export function validateStore(store: string): void {
  const problem = storeNameProblem(store);
  if (problem !== undefined) throw badRequest(`invalid store name ${JSON.stringify(store)}: ${problem}`);
}

/** Throws 4000 unless `space` is `[A-Za-z0-9-][A-Za-z0-9_-]{0,99}`. */
export function validateSpace(space: string): void {
  if (typeof space !== 'string' || !SPACE.test(space)) {
    throw badRequest(
      `invalid space name ${JSON.stringify(space)}: must be 1-100 characters of [A-Za-z0-9_-], not starting with _`,
    );
  }
}

/** Throws 4000 unless `segment` is 1-1024 UTF-8 bytes without U+0000. */
export function validateSegment(segment: string): void {
  if (typeof segment !== 'string' || segment.length === 0) {
    throw badRequest('invalid segment name: must not be empty');
  }
  // A UTF-16 unit is at most 3 UTF-8 bytes: the bytes are counted only when that bound is too high.
  const tooLong = 3 * segment.length > MAX_SEGMENT_BYTES && Buffer.byteLength(segment) > MAX_SEGMENT_BYTES;
  if (tooLong || segment.includes('\u0000')) {
    throw badRequest(
      `invalid segment name ${JSON.stringify(segment.slice(0, 64))}: must be at most ${MAX_SEGMENT_BYTES} UTF-8 bytes without U+0000`,
    );
  }
}

/** The channel of a space. */
export function spaceChannel(store: string, space: string): string {
  return `${NAMESPACE}.${store}.${space}`;
}

/** The request channel of a store. */
export function requestChannel(store: string): string {
  return `${NAMESPACE}.${store}._req`;
}

/** The space a channel holds, when it is a space channel of `store`. */
export function spaceOfChannel(store: string, channel: string): string | undefined {
  const prefix = `${NAMESPACE}.${store}.`;
  if (!channel.startsWith(prefix)) return undefined;
  const space = channel.slice(prefix.length);
  return SPACE.test(space) ? space : undefined;
}

/** The lease log of a store (§8). */
export function leasesChannel(store: string): string {
  return `${NAMESPACE}.${store}._leases`;
}

/** The worker inventory of a store (§9). */
export function workersChannel(store: string): string {
  return `${NAMESPACE}.${store}._workers`;
}
