/**
 * Channel policies of federation links: which channels a peer may receive and send.
 */
import { channelNameProblem, inboxChannelOf, isDeadLetterChannel } from '../naming/index.js';

/** A set of channels; `undefined` means every channel. */
export type ChannelSet = ReadonlySet<string> | undefined;

/** The set for a policy list where an empty list means "any channel" (hub allowlists). */
export function anyWhenEmpty(list: readonly string[]): ChannelSet {
  return list.length === 0 ? undefined : new Set(list);
}

/**
 * `set` plus the inbox of `instance` (request/reply answers for it): a peer always receives its own
 * inbox, and an instance always accepts its own, without listing them in a policy.
 */
export function withInboxOf(set: ChannelSet, instance: string): ChannelSet {
  return set === undefined ? undefined : new Set([...set, inboxChannelOf(instance)]);
}

/** Whether `channel` is in `set` (every channel when `set` is undefined). */
export function allows(set: ChannelSet, channel: string): boolean {
  return set === undefined || set.has(channel);
}

/**
 * Why an inbound record for `channel` must be refused, or undefined when it may be stored: invalid
 * names (no path traversal), dead-letter channels, and channels outside `accepted`.
 */
export function inboundRefusal(accepted: ChannelSet, channel: string): string | undefined {
  const problem = channelNameProblem(channel);
  if (problem !== undefined) return `invalid channel name: ${problem}`;
  if (isDeadLetterChannel(channel)) return 'dead-letter channels are not federated';
  if (!allows(accepted, channel)) return 'channel not allowed by policy';
  return undefined;
}

/**
 * The channels a hub sends to a peer: those it requested that are valid, not dead-letter channels,
 * and allowed by its allowlist entry. Returns the accepted and the refused names.
 */
export function effectiveSubscriptions(
  requested: readonly string[],
  allowed: ChannelSet,
): { accepted: string[]; refused: string[] } {
  const accepted: string[] = [];
  const refused: string[] = [];
  for (const channel of new Set(requested)) {
    if (inboundRefusal(allowed, channel) === undefined) accepted.push(channel);
    else refused.push(channel);
  }
  return { accepted, refused };
}
