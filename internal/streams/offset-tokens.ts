/**
 * Offset tokens: a stream position rendered as a fixed-width, lexicographically sortable string in
 * the reference server's `%016d_%016d` layout. The first field is reserved and always zero; the
 * second is the byte offset in the stream's offset space (for a stream that is not a fork, the byte
 * offset in its channel).
 */

/** The `-1` sentinel: the beginning of the stream. */
export const OFFSET_BEGINNING = '-1';
/** The `now` sentinel: the current tail. */
export const OFFSET_NOW = 'now';

const TOKEN = /^(\d{16})_(\d{16})$/;
const ZERO_FIELD = '0000000000000000';

/** A parsed `offset` value: a position, or one of the two sentinels. */
export type OffsetRequest = { kind: 'beginning' } | { kind: 'now' } | { kind: 'at'; offset: number };

/** Renders byte offset `offset` as a token. */
export function formatOffset(offset: number): string {
  return `${ZERO_FIELD}_${String(offset).padStart(16, '0')}`;
}

/** The byte offset of a token, or undefined when `token` is not a token this server issues. */
export function parseOffsetToken(token: string): number | undefined {
  const match = TOKEN.exec(token);
  if (match?.[1] !== ZERO_FIELD || match[2] === undefined) return undefined;
  const offset = Number(match[2]);
  return Number.isSafeInteger(offset) ? offset : undefined;
}

/** Parses an `offset` query value (a token, `-1` or `now`); undefined when malformed. */
export function parseOffsetRequest(value: string): OffsetRequest | undefined {
  if (value === OFFSET_BEGINNING) return { kind: 'beginning' };
  if (value === OFFSET_NOW) return { kind: 'now' };
  const offset = parseOffsetToken(value);
  return offset === undefined ? undefined : { kind: 'at', offset };
}
