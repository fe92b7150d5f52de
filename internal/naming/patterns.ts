/**
 * Channel patterns in the NATS convention: a pattern is dot-separated tokens where `*` stands for
 * exactly one token and a final `>` for one or more remaining tokens (`sensors.*.temp`,
 * `events.>`, `>`). Every other token is literal. Used by access rules on channels.
 */
import { MAX_CHANNEL_NAME_BYTES } from './channel-rules.js';

const PATTERN_CHARS = /^[a-zA-Z0-9._*>-]+$/;

/** The rule `pattern` breaks, or undefined when it is a valid channel pattern. */
export function channelPatternProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return 'pattern must not be empty';
  if (Buffer.byteLength(pattern) > MAX_CHANNEL_NAME_BYTES) {
    return `pattern exceeds ${MAX_CHANNEL_NAME_BYTES} bytes`;
  }
  if (!PATTERN_CHARS.test(pattern)) return 'contains characters outside [a-zA-Z0-9._-] and the wildcards * >';
  const tokens = pattern.split('.');
  for (const [index, token] of tokens.entries()) {
    if (token === '*' || (token === '>' && index === tokens.length - 1)) continue;
    if (token === '>') return '">" must be the last token';
    if (token.includes('*') || token.includes('>')) return `wildcard inside token ${JSON.stringify(token)}`;
  }
  return undefined;
}

/** True when `entry` (a channel name or pattern) has a wildcard token, so stands for more than itself. */
export function isChannelPattern(entry: string): boolean {
  return entry.split('.').some((token) => token === '*' || token === '>');
}

/** True when `channel` matches the (valid) `pattern`. */
export function matchesChannelPattern(pattern: string, channel: string): boolean {
  if (pattern === channel) return true;
  const want = pattern.split('.');
  const have = channel.split('.');
  for (const [index, token] of want.entries()) {
    if (token === '>') return have.length > index;
    if (index >= have.length) return false;
    if (token !== '*' && token !== have[index]) return false;
  }
  return want.length === have.length;
}

/** A set of patterns that a channel matches when any one of them does (none: nothing matches). */
export class ChannelPatternSet {
  readonly #patterns: readonly string[];

  /** @param patterns - valid patterns (see {@link channelPatternProblem}) */
  constructor(patterns: readonly string[]) {
    this.#patterns = [...patterns];
  }

  /** True when some pattern of the set matches `channel`. */
  matches(channel: string): boolean {
    return this.#patterns.some((pattern) => matchesChannelPattern(pattern, channel));
  }
}
