/**
 * Audit events and their one-line JSON form in `audit.jsonl`.
 */

/**
 * The audit event names (Go's constants, plus `loop_dropped`, `oversized_dropped`, `invalid_dropped`,
 * `http_refused`, `protocol_error`, `tls_refused`, `subscription_refused`, `retention_evicted`,
 * `retention_skipped` and `streamkit_refused` of this port).
 */
export const AuditEvent = {
  /** An inbound federated message was stored. */
  FORWARD: 'forward',
  /** A federated message broke the peer's publish/subscribe policy and was dropped (still acked). */
  POLICY_VIOLATION: 'policy_violation',
  /** A peer resumed from a position the log no longer holds; messages were skipped. */
  REPLAY_GAP: 'replay_gap',
  /** A connection to a hub was made, or a reconnect attempt failed (`detail` says which). */
  PEER_CONNECTED: 'peer_connected',
  /** A federation connection ended. */
  PEER_DISCONNECTED: 'peer_disconnected',
  /** A hub accepted a client. */
  CLIENT_CONNECTED: 'client_connected',
  /** A hub refused a client (not in the allowlist, too many subscriptions: `detail` says). */
  CLIENT_REJECTED: 'client_rejected',
  /** A hub closed a client connection while shutting down. */
  CLIENT_DRAIN: 'client_drain',
  /** A federated message already on its route (a loop) was dropped. */
  LOOP_DROPPED: 'loop_dropped',
  /** A record larger than `max_batch_bytes` was skipped (still acked). */
  OVERSIZED_DROPPED: 'oversized_dropped',
  /** The HTTP endpoint refused a request: no or a bad credential (401), or no right (403). */
  HTTP_REFUSED: 'http_refused',
  /** Records of one inbound frame that are not valid envelopes were skipped (`detail`: count, first problem). */
  INVALID_DROPPED: 'invalid_dropped',
  /**
   * A peer broke the WebSocket or federation protocol (a malformed frame, a bad handshake); its
   * connection was closed (`detail`: the close code and what was wrong).
   */
  PROTOCOL_ERROR: 'protocol_error',
  /**
   * A hub refused a connection at the TLS level, before any WebSocket: foreign CA, no client
   * certificate, a refused TLS version, not TLS at all, a handshake timeout, or a certificate
   * without exactly one CN (`detail` says which).
   */
  TLS_REFUSED: 'tls_refused',
  /** A hub refused channels a peer asked to subscribe to (its policy does not allow them, or invalid names). */
  SUBSCRIPTION_REFUSED: 'subscription_refused',
  /**
   * Retention deleted records a consumer (subscriber or federation cursor, named in `peer`) had not
   * read (`detail`: the byte range).
   */
  RETENTION_EVICTED: 'retention_evicted',
  /** A cursor (named in `peer`) stepped over records retention had deleted (`detail`: the byte range). */
  RETENTION_SKIPPED: 'retention_skipped',
  /**
   * A streamkit transaction in a space channel failed the replica checks (a foreign writer, a gap, a
   * repeat, a second writer, a skipped or repeated trx number) and was not applied: `channel` the
   * space channel, `peer` the writer named in its origin, `detail` the wire code, the trx id, the
   * entry count and what was wrong.
   */
  STREAMKIT_REFUSED: 'streamkit_refused',
  /**
   * An operator changed the data dir through the admin API or the CLI (`channel`, `peer` the
   * subscriber concerned, `detail`: the action, its arguments and its outcome).
   */
  ADMIN: 'admin',
} as const;

/** One of the values of {@link AuditEvent}. */
export type AuditEventName = (typeof AuditEvent)[keyof typeof AuditEvent];

/**
 * One audit record. Empty optional fields are left out of the line, as Go's `omitempty` does.
 */
export interface AuditRecord {
  /** When it happened; the log fills in the current time when absent. */
  readonly ts?: Date;
  /** What happened. */
  readonly event: AuditEventName;
  /** The message concerned. */
  readonly message_id?: string;
  /** The channel concerned. */
  readonly channel?: string;
  /** `"inbound"` or `"outbound"`. */
  readonly direction?: string;
  /** The peer's instance name (on a client, the hub address). */
  readonly peer?: string;
  /** The peer's network address. */
  readonly peer_addr?: string;
  /** Free-form detail, e.g. `duration=1.234s err=…`. */
  readonly detail?: string;
}

/** The optional fields in their order on the line, after `ts` and `event`. */
const OPTIONAL_FIELDS = ['message_id', 'channel', 'direction', 'peer', 'peer_addr', 'detail'] as const;

/**
 * The JSONL line (with its trailing newline) for `record`; `nowMs` stamps a record without `ts`.
 *
 * @throws RangeError when `record.ts` is an invalid Date.
 */
export function formatAuditLine(record: AuditRecord, nowMs: number): string {
  const ts = record.ts === undefined ? isoOf(nowMs) : record.ts.toISOString();
  let line = `{"ts":"${ts}","event":${JSON.stringify(record.event)}`;
  for (const field of OPTIONAL_FIELDS) {
    const value = record[field];
    if (value !== undefined && value !== '') line += `,"${field}":${JSON.stringify(value)}`;
  }
  return `${line}}\n`;
}

/**
 * The lines (each with its newline) of one event per id of `messageIds`, `record` with that
 * `message_id`, encoded as UTF-8: the same text as {@link formatAuditLine} for each. The shared
 * fields are serialised once; an id that needs no escaping (any printable ASCII id, such as a UUID)
 * goes between them as it is, and the lines are encoded together.
 *
 * @throws RangeError when `record.ts` is an invalid Date.
 */
export function encodeAuditLines(
  record: Omit<AuditRecord, 'message_id'>,
  messageIds: readonly string[],
  nowMs: number,
): Buffer {
  const ts = record.ts === undefined ? isoOf(nowMs) : record.ts.toISOString();
  const headText = `{"ts":"${ts}","event":${JSON.stringify(record.event)}`;
  let tailText = '';
  for (const field of OPTIONAL_FIELDS) {
    if (field === 'message_id') continue;
    const value = record[field];
    if (value !== undefined && value !== '') tailText += `,"${field}":${JSON.stringify(value)}`;
  }
  // Every line is `head` + id + `tail`, or `bare` for an empty id (omitted, as Go's omitempty does).
  const head = `${headText},"message_id":`;
  const tail = `${tailText}}\n`;
  const bare = `${headText}${tail}`;
  const quotedHead = `${head}"`;
  const quotedTail = `"${tail}`;
  // Lines are joined as a rope and flattened once; an all-ASCII text is encoded as a plain copy.
  // (Testing the shared parts also flattens them in V8, so the rope copies flat strings: −25 %.)
  let ascii = !NON_ASCII.test(quotedHead) && !NON_ASCII.test(quotedTail);
  let text = '';
  for (const id of messageIds) {
    if (id === '') {
      text = text + bare;
    } else if (VERBATIM.test(id)) {
      text = text + quotedHead + id + quotedTail;
    } else {
      const json = JSON.stringify(id);
      ascii &&= !NON_ASCII.test(json);
      text = text + head + json + tail;
    }
  }
  return Buffer.from(text, ascii ? 'latin1' : 'utf8');
}

const NON_ASCII = /[\u0080-\uffff]/;

/** Printable ASCII but `"` and `\\`: a string of these is its own JSON text between quotes. */
const VERBATIM = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

let cachedMs = Number.NaN;
let cachedIso = '';

/** `new Date(ms).toISOString()`, cached for the last millisecond asked (events come in bursts). */
function isoOf(ms: number): string {
  if (ms !== cachedMs) {
    cachedMs = ms;
    cachedIso = new Date(ms).toISOString();
  }
  return cachedIso;
}
