/**
 * The inbox channel of an instance, where request/reply answers reach it (docs/conventions/streaming-rpc.md
 * §2). Federation knows it too: a peer may always receive its own inbox.
 */
import { createHash } from 'node:crypto';
import { DEAD_LETTER_SUFFIX, MAX_CHANNEL_NAME_BYTES } from './channel-rules.js';

const INBOX_PREFIX = '_inbox.';
/** Longest inbox name body: the channel name limit less the prefix. */
const SLUG_BYTES = MAX_CHANNEL_NAME_BYTES - INBOX_PREFIX.length;
/** `-` and six hex digits of the name's SHA-1, appended to a slug that had to change. */
const HASH_SUFFIX_BYTES = 7;

/**
 * `_inbox.<slug>` of `instance`: the name with every character (code point, so an emoji is one)
 * outside `[A-Za-z0-9._-]` replaced by `-`; when anything was replaced, or the result is empty, `.`,
 * `..`, ends in `.dead-letter` or is longer than 248 bytes, it is cut to 241 bytes and `-` plus six hex
 * digits of the SHA-1 of the name are appended.
 */
export function inboxChannelOf(instance: string): string {
  const slug = instance.replace(/[^A-Za-z0-9._-]/gu, '-');
  const usable =
    slug === instance &&
    slug !== '' &&
    slug !== '.' &&
    slug !== '..' &&
    !slug.endsWith(DEAD_LETTER_SUFFIX) &&
    slug.length <= SLUG_BYTES;
  if (usable) return INBOX_PREFIX + slug;
  const hash = createHash('sha1').update(instance).digest('hex').slice(0, 6);
  return `${INBOX_PREFIX}${slug.slice(0, SLUG_BYTES - HASH_SUFFIX_BYTES)}-${hash}`;
}
