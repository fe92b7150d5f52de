/**
 * The acknowledgement: a text frame the receiver sends after it handled every record of a batch.
 */
import { goJsonObject } from './go-json.js';
import { optionalString, parseJsonObject, unknownFields } from './json-fields.js';

/**
 * An ack. `last_id` is the id of the last record handled, or `""` when every record was a duplicate or
 * unparsable. Extra fields (this port's additions, such as refused ids) follow `last_id` on the wire;
 * Go ignores them.
 */
export interface AckMessage {
  /** Id of the last record handled; may be `""`. */
  readonly last_id: string;
  /** Fields added after Go's `{"last_id":…}`, kept as they came. */
  readonly [extraField: string]: unknown;
}

const WHAT = 'ack';
const KNOWN_FIELDS: ReadonlySet<string> = new Set(['last_id']);

/**
 * Serialises an ack: `{"last_id":"…"}` exactly as Go writes it, extra fields after `last_id`.
 *
 * @example
 * ```ts
 * encodeAck({ last_id: '' }); // '{"last_id":""}'
 * ```
 */
export function encodeAck(ack: AckMessage): string {
  return goJsonObject([['last_id', ack.last_id], ...unknownFields(ack, KNOWN_FIELDS)]);
}

/**
 * Parses an ack text frame. A missing or `null` `last_id` reads as `""` (Go's zero value); unknown fields
 * are kept as extra properties.
 *
 * @throws MessengerError `ERR_PROTOCOL` when the text is not a JSON object or `last_id` is not a string.
 */
export function decodeAck(text: string | Uint8Array): AckMessage {
  const obj = parseJsonObject(text, WHAT);
  return {
    ...Object.fromEntries(unknownFields(obj, KNOWN_FIELDS)),
    last_id: optionalString(obj, 'last_id', WHAT) ?? '',
  };
}
