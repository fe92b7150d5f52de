/**
 * Channel and file-name rules shared by storage, delivery and federation.
 */
import { ErrorCode, MessengerError, typeName } from '../errors/index.js';

/** Suffix of the system-owned channel that receives a channel's undeliverable messages. */
export const DEAD_LETTER_SUFFIX = '.dead-letter';

/** Longest channel name, in bytes. */
export const MAX_CHANNEL_NAME_BYTES = 255;

const CHANNEL_NAME = /^[a-zA-Z0-9._-]+$/;

/**
 * Throws ERR_INVALID_CHANNEL_NAME unless `name` is 1–255 bytes of `[a-zA-Z0-9._-]` and not `.` or `..`.
 * The message quotes the name and says which rule it breaks.
 */
export function validateChannelName(name: string): void {
  const problem = channelNameProblem(name);
  if (problem !== undefined) {
    throw new MessengerError(
      ErrorCode.INVALID_CHANNEL_NAME,
      `invalid channel name ${JSON.stringify(name)}: ${problem}`,
    );
  }
}

/** The rule `name` breaks, or undefined when it is a valid channel name. */
export function channelNameProblem(name: string): string | undefined {
  if (typeof name !== 'string') return `name must be a string, not ${typeName(name)}`;
  if (name.length === 0) return 'name must not be empty';
  if (Buffer.byteLength(name) > MAX_CHANNEL_NAME_BYTES) return `name exceeds ${MAX_CHANNEL_NAME_BYTES} bytes`;
  if (!CHANNEL_NAME.test(name)) return 'contains characters outside [a-zA-Z0-9._-]';
  if (name === '.' || name === '..') return 'name must not be "." or ".."';
  return undefined;
}

/** True when `name` is a dead-letter channel. */
export function isDeadLetterChannel(name: string): boolean {
  return name.endsWith(DEAD_LETTER_SUFFIX);
}

/**
 * Validates a channel name for a user publish: the naming rules plus the reserved `.dead-letter`
 * suffix (ERR_RESERVED_CHANNEL_NAME).
 */
export function validatePublishChannel(name: string): void {
  validateChannelName(name);
  if (isDeadLetterChannel(name)) {
    throw new MessengerError(
      ErrorCode.RESERVED_CHANNEL_NAME,
      `channel ${JSON.stringify(name)}: the ${DEAD_LETTER_SUFFIX} suffix is reserved for the system`,
    );
  }
}

/** The dead-letter channel of `channel`. */
export function deadLetterChannelOf(channel: string): string {
  return channel + DEAD_LETTER_SUFFIX;
}

/**
 * Makes an identifier (subscriber id, peer CN) safe as a single file-name component: every byte
 * outside `[a-zA-Z0-9._-]` becomes `_`, and `.`/`..`/empty become `_`.
 */
export function sanitizeFileComponent(id: string): string {
  const safe = id.replace(/[^a-zA-Z0-9._-]/g, '_');
  if (safe === '' || safe === '.' || safe === '..') return '_'.repeat(Math.max(1, safe.length));
  return safe;
}

/** Remembers channel names that passed {@link validatePublishChannel}, so hot paths check each once. */
export class PublishChannelCheck {
  readonly #valid = new Set<string>();

  /** Throws like {@link validatePublishChannel}; a name that passed once is not checked again. */
  check(name: string): void {
    if (this.#valid.has(name)) return;
    validatePublishChannel(name);
    this.#valid.add(name);
  }
}
