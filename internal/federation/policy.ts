/**
 * Channel policies of federation links: which channels a peer may receive and send. A policy list
 * holds channel names and patterns (`*` one dot-separated token, a final `>` the rest); a pattern
 * never matches a `.dead-letter` channel, only its exact name does.
 */
import {
  ChannelPatternSet,
  channelNameProblem,
  channelPatternProblem,
  inboxChannelOf,
  isChannelPattern,
  isDeadLetterChannel,
} from '../naming/index.js';

/** The channels of a policy list: exact names plus patterns. */
export class ChannelFilter {
  /** The exact names of the list. */
  readonly names: ReadonlySet<string>;
  /** The patterns of the list. */
  readonly patterns: readonly string[];
  readonly #patternSet: ChannelPatternSet;

  /** @param entries - valid channel names and patterns */
  constructor(entries: Iterable<string>) {
    const list = [...new Set(entries)];
    this.names = new Set(list.filter((entry) => !isChannelPattern(entry)));
    this.patterns = list.filter(isChannelPattern);
    this.#patternSet = new ChannelPatternSet(this.patterns);
  }

  /** Whether `channel` is named, or matched by a pattern (dead-letter channels only when named). */
  has(channel: string): boolean {
    if (this.names.has(channel)) return true;
    return this.patterns.length > 0 && !isDeadLetterChannel(channel) && this.#patternSet.matches(channel);
  }

  /** This filter plus `channel`. */
  with(channel: string): ChannelFilter {
    return new ChannelFilter([...this.names, ...this.patterns, channel]);
  }
}

/** A set of channels; `undefined` means every channel. */
export type ChannelSet = ChannelFilter | undefined;

/** The set for a policy list where an empty list means "any channel" (hub allowlists). */
export function anyWhenEmpty(list: readonly string[]): ChannelSet {
  return list.length === 0 ? undefined : new ChannelFilter(list);
}

/**
 * `set` plus the inbox of `instance` (request/reply answers for it): a peer always receives its own
 * inbox, and an instance always accepts its own, without listing them in a policy.
 */
export function withInboxOf(set: ChannelSet, instance: string): ChannelSet {
  return set?.with(inboxChannelOf(instance));
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

/**
 * The subscription patterns of a handshake (its `subscribe_patterns` field) split into the valid
 * ones and the refused ones (not a list of strings, or not a valid pattern).
 */
export function requestedPatterns(value: unknown): { valid: string[]; refused: string[] } {
  if (!Array.isArray(value))
    return { valid: [], refused: value === undefined ? [] : [JSON.stringify(value)] };
  const valid: string[] = [];
  const refused: string[] = [];
  for (const entry of new Set(value as unknown[])) {
    if (typeof entry === 'string' && channelPatternProblem(entry) === undefined && isChannelPattern(entry)) {
      valid.push(entry);
    } else {
      refused.push(typeof entry === 'string' ? entry : JSON.stringify(entry));
    }
  }
  return { valid, refused };
}
