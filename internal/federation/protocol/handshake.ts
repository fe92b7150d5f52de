/**
 * The handshake: the first text frame each side sends on a federation connection.
 */
import { goJsonObject } from './go-json.js';
import {
  optionalBoolean,
  optionalString,
  optionalStringArray,
  parseJsonObject,
  protocolError,
  unknownFields,
} from './json-fields.js';

/** The only wire protocol version the Go original ever spoke. */
export const PROTOCOL_VERSION = '1';

/** The role a client announces in its handshake. */
export const ROLE_CLIENT = 'client';

/** The role a hub announces in its reply. */
export const ROLE_HUB = 'hub';

/**
 * The handshake message. Client → hub first (`role: "client"`, the channels it wants in `subscribe`),
 * then hub → client once the peer passed the allowlist (`role: "hub"`).
 *
 * @remarks
 * Neither side validates `role` or `version` (Go does not either). `last_id` has never been sent since
 * Go v0.11.0 and is ignored by hubs; it stays for wire compatibility. Fields this version does not know
 * are kept as extra properties by {@link decodeHandshake} and written after the known ones, in the
 * object's property order, by {@link encodeHandshake}; Go ignores them.
 */
export interface HandshakeMessage {
  /** The sender's instance name. Hubs with TLS use the certificate CN instead. */
  readonly instance_name: string;
  /** `"client"` or `"hub"` ({@link ROLE_CLIENT}, {@link ROLE_HUB}); not validated. */
  readonly role: string;
  /** Wire protocol version, {@link PROTOCOL_VERSION}; not validated. */
  readonly version: string;
  /** Last acknowledged id; legacy, omitted on the wire when empty. */
  readonly last_id?: string;
  /** Channels the client asks to receive; omitted on the wire when empty. */
  readonly subscribe?: readonly string[];
  /** True for an ephemeral (stateless) client; omitted on the wire when false. */
  readonly ephemeral?: boolean;
  /** Fields added by newer peers, kept as they came. */
  readonly [extraField: string]: unknown;
}

/**
 * The size this port packs frames to: records are gathered into frames of up to 64 KiB (Go v0.12's
 * `max_batch_bytes`), whatever the largest record accepted is; a larger record travels alone in its
 * frame. So raising `max_batch_bytes` to accept large records changes neither the window of frames
 * in flight nor the read-ahead of senders.
 */
export const FRAME_TARGET_BYTES = 64 * 1024;

/** The bytes a sender packs into one frame: {@link FRAME_TARGET_BYTES}, or less when `maxBatchBytes` is. */
export function frameBytesFor(maxBatchBytes: number): number {
  return Math.min(maxBatchBytes, FRAME_TARGET_BYTES);
}

/**
 * How many unacknowledged data frames this port keeps or accepts on a link, per direction,
 * announced in its handshakes as the extra field `max_in_flight`. Go peers do not send the field,
 * so they get one frame at a time, exactly as the Go protocol has it; two instances of this port
 * keep several frames in flight, so that the sender's reading and the network transfer overlap the
 * receiver's storing, and a sender whose process is busy elsewhere (publishing) and reads its acks
 * late still leaves the receiver frames to store.
 */
export const MAX_FRAMES_IN_FLIGHT = 32;

/**
 * The bytes of unacknowledged frames a sender of this port keeps in flight per channel past its
 * oldest frame: {@link MAX_FRAMES_IN_FLIGHT} frames of {@link FRAME_TARGET_BYTES} (2 MiB). Frames of
 * one large record each would otherwise multiply the window.
 */
export const IN_FLIGHT_BYTES = MAX_FRAMES_IN_FLIGHT * FRAME_TARGET_BYTES;

/** The extra handshake field that carries {@link MAX_FRAMES_IN_FLIGHT}. */
export const MAX_IN_FLIGHT_FIELD = 'max_in_flight';

/**
 * How many unacknowledged frames may be sent to the peer that sent `handshake`: its `max_in_flight`
 * when that is a positive integer, capped at `own` (what this side announced), else 1 (a Go peer).
 */
export function framesInFlightOf(handshake: HandshakeMessage, own: number): number {
  const announced = handshake[MAX_IN_FLIGHT_FIELD];
  if (typeof announced !== 'number' || !Number.isSafeInteger(announced) || announced < 1) return 1;
  return Math.min(announced, own);
}

/**
 * The extra handshake field that carries this side's `max_batch_bytes`: the largest record it
 * accepts, measured without the record's route field (Go peers neither send nor read it; they judge
 * a record whole and know no route).
 */
export const MAX_BATCH_BYTES_FIELD = 'max_batch_bytes';

/**
 * The most bytes a record's route field may add to `max_batch_bytes` on a link between instances of
 * this port: room for dozens of relays (a certificate CN has at most 64 characters), while a peer
 * cannot pass off a large record as route.
 */
export const MAX_ROUTE_BYTES = 4096;

/**
 * The largest record (without its route field) the peer that sent `handshake` accepts: its
 * `max_batch_bytes` when that is a positive integer, else undefined (a Go peer, which announces
 * nothing and judges records whole, route included).
 */
export function maxBatchBytesOf(handshake: HandshakeMessage): number | undefined {
  const announced = handshake[MAX_BATCH_BYTES_FIELD];
  if (typeof announced !== 'number' || !Number.isSafeInteger(announced) || announced < 1) return undefined;
  return announced;
}

/**
 * The extra fields this port adds to its handshakes, for a side whose `max_batch_bytes` is
 * `maxBatchBytes`: {@link MAX_IN_FLIGHT_FIELD}, and {@link MAX_BATCH_BYTES_FIELD} unless
 * `announceLimit` is false (a side that accepts records of any size: an ephemeral client).
 */
export function handshakeExtensions(maxBatchBytes: number, announceLimit = true): Record<string, number> {
  return {
    [MAX_IN_FLIGHT_FIELD]: MAX_FRAMES_IN_FLIGHT,
    ...(announceLimit ? { [MAX_BATCH_BYTES_FIELD]: maxBatchBytes } : {}),
  };
}

/**
 * The extra handshake field in which a client of this port asks for channel patterns. `subscribe`
 * keeps exact names only, so a Go hub (which ignores unknown fields) never sees a pattern.
 */
export const SUBSCRIBE_PATTERNS_FIELD = 'subscribe_patterns';

const WHAT = 'handshake';

/** The known fields in Go's struct order, which is the order on the wire. */
const KNOWN_FIELDS: ReadonlySet<string> = new Set([
  'instance_name',
  'role',
  'version',
  'last_id',
  'subscribe',
  'ephemeral',
]);

/**
 * Serialises a handshake exactly as Go's `json.Marshal` of its `HandshakeMsg` does: `instance_name`,
 * `role`, `version`, then `last_id` (when non-empty), `subscribe` (when non-empty), `ephemeral` (when
 * true), then any extra fields in the object's property order.
 *
 * @example
 * ```ts
 * encodeHandshake({ instance_name: 'hub1', role: 'hub', version: '1' });
 * // '{"instance_name":"hub1","role":"hub","version":"1"}'
 * ```
 */
export function encodeHandshake(msg: HandshakeMessage): string {
  const fields: [string, unknown][] = [
    ['instance_name', msg.instance_name],
    ['role', msg.role],
    ['version', msg.version],
  ];
  if (msg.last_id !== undefined && msg.last_id !== '') fields.push(['last_id', msg.last_id]);
  if (msg.subscribe !== undefined && msg.subscribe.length > 0) fields.push(['subscribe', msg.subscribe]);
  if (msg.ephemeral === true) fields.push(['ephemeral', true]);
  fields.push(...unknownFields(msg, KNOWN_FIELDS));
  return goJsonObject(fields);
}

/**
 * Parses a handshake text frame. Missing `role`/`version` read as `""`, JSON `null` as absent (as Go
 * leaves zero values); unknown fields are kept as extra properties.
 *
 * @throws MessengerError `ERR_PROTOCOL` when the text is not a JSON object, `instance_name` is missing or
 * empty, or a known field has the wrong type.
 */
export function decodeHandshake(text: string | Uint8Array): HandshakeMessage {
  const obj = parseJsonObject(text, WHAT);
  const instanceName = optionalString(obj, 'instance_name', WHAT);
  if (instanceName === undefined || instanceName === '') {
    throw protocolError(`${WHAT}: "instance_name" is missing or empty`);
  }
  const lastId = optionalString(obj, 'last_id', WHAT);
  const subscribe = optionalStringArray(obj, 'subscribe', WHAT);
  const ephemeral = optionalBoolean(obj, 'ephemeral', WHAT);
  return {
    ...Object.fromEntries(unknownFields(obj, KNOWN_FIELDS)),
    instance_name: instanceName,
    role: optionalString(obj, 'role', WHAT) ?? '',
    version: optionalString(obj, 'version', WHAT) ?? '',
    ...(lastId === undefined ? {} : { last_id: lastId }),
    ...(subscribe === undefined ? {} : { subscribe }),
    ...(ephemeral === undefined ? {} : { ephemeral }),
  };
}
