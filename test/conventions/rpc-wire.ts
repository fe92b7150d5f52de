/**
 * The records of docs/conventions/streaming-rpc.md (convention `rpc`, version 1), written from that
 * document alone: record types, close codes, the inbox slug rule, and readers of frame payloads.
 * Shared by the independent requester (rpc-requester.ts) and server (rpc-server.ts).
 */
import { createHash } from 'node:crypto';

/** `payload_type`s of §3. */
export const RpcType = {
  data: 'rpc.data.v1',
  close: 'rpc.close.v1',
  keepalive: 'rpc.keepalive.v1',
  cancel: 'rpc.cancel.v1',
  credit: 'rpc.credit.v1',
} as const;

/** Close codes of §4. */
export const Code = {
  normal: 1000,
  goingAway: 1001,
  unsupportedData: 1003,
  abnormal: 1006,
  badRequest: 4000,
  noHandler: 4004,
  deadlineExceeded: 4008,
  saturated: 4029,
  internalError: 5000,
} as const;

/** §3.1 defaults and bounds. */
export const Defaults = {
  keepaliveMs: 10_000,
  minKeepaliveMs: 100,
  maxKeepaliveMs: 60_000,
  window: 256,
  /** §3.4: stream ids per keepalive record. */
  keepaliveIds: 1_000,
  /** §7.1: silence allowed, in keepalive intervals. */
  silenceIntervals: 3,
} as const;

/** §3.1: the keepalive interval a server uses for a requested one. */
export function clampKeepalive(requested: number): number {
  return Math.min(Defaults.maxKeepaliveMs, Math.max(Defaults.minKeepaliveMs, requested));
}

/** One code point (a character, not a UTF-16 unit) outside the slug's set. */
const SLUG_ALLOWED = /[^A-Za-z0-9._-]/gu;
const CHANNEL = /^[A-Za-z0-9._-]{1,255}$/;

/** §2: the inbox channel of the requester instance `name`. */
export function inboxOf(name: string): string {
  const replaced = name.replace(SLUG_ALLOWED, '-');
  const bytes = Buffer.byteLength(replaced);
  const plain =
    replaced === name &&
    replaced !== '' &&
    replaced !== '.' &&
    replaced !== '..' &&
    !replaced.endsWith('.dead-letter') &&
    bytes <= 248;
  if (plain) return `_inbox.${replaced}`;
  const hash = createHash('sha1').update(name, 'utf8').digest('hex').slice(0, 6);
  return `_inbox.${replaced.slice(0, 241)}-${hash}`;
}

/** A channel a record can be published on (README: names, and the reserved `.dead-letter` suffix). */
export function isPublishableChannel(name: unknown): name is string {
  return (
    typeof name === 'string' &&
    CHANNEL.test(name) &&
    name !== '.' &&
    name !== '..' &&
    !name.endsWith('.dead-letter')
  );
}

/** A JSON object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSeq(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 1;
}

/** A data or close frame as §3.2 / §3.3 define them, or undefined when the payload cannot be read. */
export type Frame =
  | { kind: 'data'; seq: number; run: string; data: unknown }
  | { kind: 'close'; seq: number; run: string; code: number; text: string };

/** Reads the payload of an `rpc.data.v1` or `rpc.close.v1` record (unknown fields ignored). */
export function readFrame(payloadType: string, payload: unknown): Frame | undefined {
  if (!isObject(payload) || !isSeq(payload.seq) || typeof payload.run !== 'string') return undefined;
  if (payloadType === RpcType.data) {
    if (!('data' in payload)) return undefined;
    return { kind: 'data', seq: payload.seq, run: payload.run, data: payload.data };
  }
  if (!Number.isSafeInteger(payload.code) || typeof payload.text !== 'string') return undefined;
  return {
    kind: 'close',
    seq: payload.seq,
    run: payload.run,
    code: payload.code as number,
    text: payload.text,
  };
}

/** §4: whether a requester may retry after this close code. */
export function isRetryable(code: number): boolean {
  return code === Code.goingAway || code === Code.abnormal || code === Code.saturated;
}
