/**
 * The wire records of the streaming request/reply convention (docs/conventions/streaming-rpc.md): payload
 * types, close codes, the inbox name, and the readers of received payloads. Pure: no I/O.
 */
import { channelNameProblem, isDeadLetterChannel } from '../naming/index.js';

/** Payload types of the convention's own records. */
export const RpcType = {
  /** A data frame (server → inbox). */
  DATA: 'rpc.data.v1',
  /** The close frame (server → inbox). */
  CLOSE: 'rpc.close.v1',
  /** Liveness of open streams (server → inbox). */
  KEEPALIVE: 'rpc.keepalive.v1',
  /** The requester gave up (requester → request channel). */
  CANCEL: 'rpc.cancel.v1',
  /** More credit for data frames (requester → request channel). */
  CREDIT: 'rpc.credit.v1',
} as const;

/** Request types may not use this prefix: it names the convention's own records. */
export const RESERVED_TYPE_PREFIX = 'rpc.';

/** Close codes of the convention (§4). */
export const CloseCode = {
  /** The stream ended successfully. */
  NORMAL: 1000,
  /** The server is shutting down; retryable. */
  GOING_AWAY: 1001,
  /** A frame could not be read (local to the requester). */
  UNSUPPORTED_DATA: 1003,
  /** Silence, lost frames or a restarted server (local to the requester); retryable. */
  ABNORMAL: 1006,
  /** The request payload is malformed. */
  BAD_REQUEST: 4000,
  /** No handler for the request type on the serving instance. */
  NO_HANDLER: 4004,
  /** The request's deadline passed while the stream was open. */
  DEADLINE_EXCEEDED: 4008,
  /** The server sent beyond its credit (local to the requester); retryable. */
  SATURATED: 4029,
  /** The handler failed. */
  INTERNAL: 5000,
} as const;

const RETRYABLE = new Set<number>([CloseCode.GOING_AWAY, CloseCode.ABNORMAL, CloseCode.SATURATED]);

/** Whether a stream that ended with `code` may be retried (with a new stream id). */
export function isRetryableClose(code: number): boolean {
  return RETRYABLE.has(code);
}

const CLOSE_NAMES: Record<number, string> = {
  1000: 'normal',
  1001: 'going away',
  1003: 'unsupported data',
  1006: 'abnormal',
  4000: 'bad request',
  4004: 'no handler',
  4008: 'deadline exceeded',
  4029: 'saturated',
  5000: 'internal error',
};

/** The name of a close code for messages, e.g. "bad request". */
export function closeCodeName(code: number): string {
  return CLOSE_NAMES[code] ?? (code >= 5000 ? 'server error' : code >= 4000 ? 'request error' : 'closed');
}

/** Defaults and clamps of the request fields (§3.1). */
export const RPC_LIMITS = {
  defaultKeepaliveMs: 10_000,
  minKeepaliveMs: 100,
  maxKeepaliveMs: 60_000,
  defaultWindow: 256,
  /** Stream ids per keepalive record. */
  keepaliveIdsPerRecord: 1000,
} as const;

/** The keepalive interval a server keeps for a requested one: clamped to [100, 60 000] ms (§3.1). */
export function clampKeepalive(requestedMs: number): number {
  return Math.min(RPC_LIMITS.maxKeepaliveMs, Math.max(RPC_LIMITS.minKeepaliveMs, requestedMs));
}

/** A request as the server reads it. */
export interface RequestFields {
  readonly replyTo: string;
  readonly deadlineMs: number;
  readonly keepaliveMs: number;
  readonly window: number;
  readonly body: unknown;
}

/** A request payload that cannot be served, and whether it can still be answered. */
export interface RequestProblem {
  readonly problem: string;
  /** The reply channel, when it was readable; the 4000 close goes there. */
  readonly replyTo: string | undefined;
  /**
   * `deadline_ms` when it is a whole number, `null` when the field is absent (such a request is
   * dropped, never answered: §5 step 4), undefined when it is something else (a 4000).
   */
  readonly deadlineMs: number | null | undefined;
}

/** Reads a request payload (§3.1), or says what is wrong with it. */
export function readRequest(payload: unknown): RequestFields | RequestProblem {
  const unanswerable = (problem: string): RequestProblem => ({
    problem,
    replyTo: undefined,
    deadlineMs: undefined,
  });
  if (!isObject(payload)) return unanswerable('payload is not a JSON object');
  const replyTo = payload['reply_to'];
  if (typeof replyTo !== 'string') return unanswerable('reply_to is not a string');
  const channelProblem = channelNameProblem(replyTo);
  if (channelProblem !== undefined) return unanswerable(`reply_to: ${channelProblem}`);
  if (isDeadLetterChannel(replyTo)) return unanswerable('reply_to is a dead-letter channel');
  const deadlineMs = payload['deadline_ms'];
  if (deadlineMs === undefined) return { problem: 'deadline_ms is missing', replyTo, deadlineMs: null };
  if (!isWhole(deadlineMs))
    return { problem: 'deadline_ms is not a whole number', replyTo, deadlineMs: undefined };
  const keepalive = payload['keepalive_ms'] ?? RPC_LIMITS.defaultKeepaliveMs;
  if (!isWhole(keepalive)) return { problem: 'keepalive_ms is not a whole number', replyTo, deadlineMs };
  const window = payload['window'] ?? RPC_LIMITS.defaultWindow;
  if (!isWhole(window) || window < 1)
    return { problem: 'window is not a whole number of at least 1', replyTo, deadlineMs };
  return {
    replyTo,
    deadlineMs,
    keepaliveMs: clampKeepalive(keepalive),
    window,
    body: payload['body'] ?? null,
  };
}

/** A received frame of a stream (§3.2–3.4), read by the requester. */
export type Frame =
  | { readonly kind: 'data'; readonly seq: number; readonly run: string; readonly data: unknown }
  | {
      readonly kind: 'close';
      readonly seq: number;
      readonly run: string;
      readonly code: number;
      readonly text: string;
    }
  | { readonly kind: 'keepalive'; readonly streams: readonly string[] }
  | { readonly kind: 'invalid'; readonly problem: string }
  | { readonly kind: 'other' };

/** Reads an inbox record by its payload type. */
export function readFrame(payloadType: string, payload: unknown): Frame {
  switch (payloadType) {
    case RpcType.DATA:
    case RpcType.CLOSE: {
      if (!isObject(payload))
        return { kind: 'invalid', problem: `${payloadType} payload is not a JSON object` };
      const seq = payload['seq'];
      const run = payload['run'];
      if (!isWhole(seq) || seq < 1)
        return { kind: 'invalid', problem: `${payloadType}: seq is not a whole number ≥ 1` };
      if (typeof run !== 'string') return { kind: 'invalid', problem: `${payloadType}: run is not a string` };
      if (payloadType === RpcType.DATA) return { kind: 'data', seq, run, data: payload['data'] ?? null };
      const code = payload['code'];
      const text = payload['text'] ?? '';
      if (!isWhole(code)) return { kind: 'invalid', problem: `${payloadType}: code is not a whole number` };
      if (typeof text !== 'string')
        return { kind: 'invalid', problem: `${payloadType}: text is not a string` };
      return { kind: 'close', seq, run, code, text };
    }
    case RpcType.KEEPALIVE: {
      const streams = isObject(payload) ? payload['streams'] : undefined;
      if (!Array.isArray(streams)) return { kind: 'invalid', problem: 'keepalive: streams is not an array' };
      return { kind: 'keepalive', streams: streams.filter((s): s is string => typeof s === 'string') };
    }
    default:
      return { kind: 'other' };
  }
}

/** Reads `up_to_seq` of a credit record, or undefined when it is malformed. */
export function readCredit(payload: unknown): number | undefined {
  const upTo = isObject(payload) ? payload['up_to_seq'] : undefined;
  return isWhole(upTo) ? upTo : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isWhole(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}
