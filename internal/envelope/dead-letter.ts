/**
 * The dead-letter record written when a subscriber gives up on a message.
 */
import type { Envelope } from './envelope.js';

/** Payload type of dead-letter envelopes (as the Go original). */
export const DEAD_LETTER_PAYLOAD_TYPE = 'com.keyop.messenger.DeadLetterPayload';

/** The payload of a dead-letter envelope. */
export interface DeadLetterPayload {
  /** The envelope that could not be delivered, as stored. */
  original: Envelope;
  /** The configured number of retries. */
  retries: number;
  /** The final error text. */
  last_error: string;
  /** RFC3339Nano UTC time of giving up. */
  failed_at: string;
}
