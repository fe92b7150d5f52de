/** Subscription configuration: parsing and validation of a PUT body, and the errors of the API. */
import { ErrorCode, MessengerError } from '../../errors/index.js';
import { normalizePath } from './glob.js';
import { webhookUrlProblem } from './webhook-security.js';

/** The error codes of the subscription API as the protocol spells them in JSON bodies. */
export type SubscriptionWireCode =
  | 'INVALID_REQUEST'
  | 'SUBSCRIPTION_NOT_FOUND'
  | 'SUBSCRIPTION_ALREADY_EXISTS'
  | 'WEBHOOK_URL_REJECTED'
  | 'TOKEN_INVALID'
  | 'TOKEN_EXPIRED'
  | 'FENCED'
  | 'ALREADY_CLAIMED'
  | 'NO_PENDING_WORK'
  | 'INVALID_OFFSET';

/** The stable `ERR_SUBSCRIPTION_*` code of each wire code. */
const CODES: Record<SubscriptionWireCode, ErrorCode> = {
  INVALID_REQUEST: ErrorCode.SUBSCRIPTION_INVALID_REQUEST,
  SUBSCRIPTION_NOT_FOUND: ErrorCode.SUBSCRIPTION_NOT_FOUND,
  SUBSCRIPTION_ALREADY_EXISTS: ErrorCode.SUBSCRIPTION_ALREADY_EXISTS,
  WEBHOOK_URL_REJECTED: ErrorCode.SUBSCRIPTION_WEBHOOK_URL_REJECTED,
  TOKEN_INVALID: ErrorCode.SUBSCRIPTION_TOKEN_INVALID,
  TOKEN_EXPIRED: ErrorCode.SUBSCRIPTION_TOKEN_EXPIRED,
  FENCED: ErrorCode.SUBSCRIPTION_FENCED,
  ALREADY_CLAIMED: ErrorCode.SUBSCRIPTION_ALREADY_CLAIMED,
  NO_PENDING_WORK: ErrorCode.SUBSCRIPTION_NO_PENDING_WORK,
  INVALID_OFFSET: ErrorCode.SUBSCRIPTION_INVALID_OFFSET,
};

/**
 * A refused subscription request, an `ERR_SUBSCRIPTION_*` {@link MessengerError}; `wireCode` is the
 * code of the JSON error body and `details` its extra fields.
 */
export class SubscriptionError extends MessengerError {
  /** The code the protocol sends in the JSON error body. */
  readonly wireCode: SubscriptionWireCode;
  /** Extra fields for the error body. */
  readonly details: Record<string, unknown>;

  /**
   * @param wireCode - the protocol's error code
   * @param message - a short reason
   * @param details - extra fields for the error body
   */
  constructor(wireCode: SubscriptionWireCode, message: string, details: Record<string, unknown> = {}) {
    super(CODES[wireCode], message);
    this.name = 'SubscriptionError';
    this.wireCode = wireCode;
    this.details = details;
  }
}

/** How a subscription is woken. */
export type SubscriptionType = 'webhook' | 'pull-wake';

/** The configuration of a subscription (what a PUT sets). */
export interface SubscriptionConfig {
  type: SubscriptionType;
  pattern?: string;
  streams: string[];
  webhookUrl?: string;
  wakeStream?: string;
  leaseTtlMs: number;
  description?: string;
}

const DEFAULT_LEASE_TTL_MS = 30_000;
const MIN_LEASE_TTL_MS = 1_000;
const MAX_LEASE_TTL_MS = 600_000;

function invalid(message: string): SubscriptionError {
  return new SubscriptionError('INVALID_REQUEST', message);
}

/** Validates a PUT body. */
export function parseConfig(body: unknown): SubscriptionConfig {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('request body must be a JSON object');
  }
  const input = body as Record<string, unknown>;
  const type = input['type'];
  if (type !== 'webhook' && type !== 'pull-wake') throw invalid('type must be "webhook" or "pull-wake"');
  const pattern = optionalText(input['pattern'], 'pattern');
  const streams = pathList(input['streams'], false);
  if (pattern === undefined && streams.length === 0)
    throw invalid('at least one of pattern or streams is required');
  const lease = input['lease_ttl_ms'] ?? DEFAULT_LEASE_TTL_MS;
  if (
    typeof lease !== 'number' ||
    !Number.isInteger(lease) ||
    lease < MIN_LEASE_TTL_MS ||
    lease > MAX_LEASE_TTL_MS
  ) {
    throw invalid(`lease_ttl_ms must be an integer from ${MIN_LEASE_TTL_MS} to ${MAX_LEASE_TTL_MS}`);
  }
  const description = input['description'];
  const config: SubscriptionConfig = {
    type,
    streams,
    leaseTtlMs: lease,
    ...(pattern === undefined ? {} : { pattern: normalizePath(pattern) }),
    ...(typeof description === 'string' ? { description } : {}),
  };
  if (type === 'webhook') {
    const webhook = input['webhook'];
    const url =
      typeof webhook === 'object' && webhook !== null
        ? (webhook as Record<string, unknown>)['url']
        : undefined;
    if (typeof url !== 'string' || url === '') throw invalid('webhook subscriptions require webhook.url');
    const problem = webhookUrlProblem(url);
    if (problem !== undefined) throw new SubscriptionError('WEBHOOK_URL_REJECTED', problem);
    config.webhookUrl = url;
  } else {
    const wakeStream = optionalText(input['wake_stream'], 'wake_stream');
    if (wakeStream === undefined) throw invalid('pull-wake subscriptions require wake_stream');
    config.wakeStream = normalizePath(wakeStream);
  }
  return config;
}

function optionalText(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw invalid(`${name} must be a string`);
  return value;
}

/** Validates a list of stream paths (`required`: it must be a non-empty array). */
export function pathList(value: unknown, required: boolean): string[] {
  if (value === undefined && !required) return [];
  if (!Array.isArray(value) || (required && value.length === 0)) {
    throw invalid('streams must be a non-empty array of stream paths');
  }
  return value.map((item) => {
    if (typeof item !== 'string' || normalizePath(item) === '')
      throw invalid('streams must contain only stream paths');
    return normalizePath(item);
  });
}

/** Whether two configurations are the same (stream lists compared as sets). */
export function sameConfig(a: SubscriptionConfig, b: SubscriptionConfig): boolean {
  const canonical = (c: SubscriptionConfig): string =>
    JSON.stringify([
      c.type,
      c.pattern,
      [...new Set(c.streams)].sort(),
      c.webhookUrl,
      c.wakeStream,
      c.leaseTtlMs,
      c.description,
    ]);
  return canonical(a) === canonical(b);
}
