/**
 * Configuration of an {@link EphemeralMessenger}: the shape, the defaults (the Go client's), and a
 * check that reports every problem at once as a ConfigError naming each field.
 */
import { channelNameProblem, isDeadLetterChannel } from '../internal/naming/index.js';
import { addressProblem } from '../internal/net/index.js';
import { certificateIdentity } from './config/identity.js';
import { ConfigIssues, indexPath } from './config/issues.js';
import { closestMatch } from './config/suggest.js';
import type { TlsMinVersion } from './config/types.js';

/** Certificate files of an ephemeral client (PEM paths). */
export interface EphemeralTlsConfig {
  /** This client's certificate; its CN is the client's identity. */
  cert: string;
  /** This client's private key. */
  key: string;
  /** The CA the hub's certificate must chain to. */
  ca: string;
  /** Lowest TLS version; default `'1.3'`. */
  minVersion?: TlsMinVersion;
}

/** Settings of an {@link EphemeralMessenger}. */
export interface EphemeralConfig {
  /** The hub's `host:port`. Required. */
  hubAddr: string;
  /**
   * This client's name in the hub's allowlist and the `origin` of what it publishes. With TLS it must
   * equal the certificate CN and defaults to it; without TLS it is required.
   */
  instanceName?: string;
  /** Channels to receive live, requested in the handshake (the hub delivers those its policy allows). */
  subscribe?: readonly string[];
  /** Mutual TLS; without it the client dials plain `ws://` (trusted networks and tests only). */
  tls?: EphemeralTlsConfig;
  /** Re-establish a dropped connection with backoff; default false (as in Go). */
  autoReconnect?: boolean;
  /** First reconnect delay; default 500 ms. */
  reconnectBaseMs?: number;
  /** Longest reconnect delay (the delay doubles per failed dial); default 60 000 ms. */
  reconnectMaxMs?: number;
  /** Random spread of each delay as a fraction (0.2 = ±20 %); default 0.2. */
  reconnectJitter?: number;
  /**
   * Largest data frame sent, length prefixes included, hence also the largest publishable envelope;
   * default 65 536. Keep it at or below the hub's `max_batch_bytes`.
   */
  maxBatchBytes?: number;
  /** Publishes queued for sending beyond which new publishes wait for room; default 256. */
  writeQueueSize?: number;
}

/** An {@link EphemeralConfig} with every default applied and the identity settled. */
export interface ResolvedEphemeralConfig {
  hubAddr: string;
  instanceName: string;
  subscribe: readonly string[];
  tls: EphemeralTlsConfig | undefined;
  autoReconnect: boolean;
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  reconnectJitter: number;
  maxBatchBytes: number;
  writeQueueSize: number;
}

/** Defaults of the optional settings (the Go client's). */
export const EPHEMERAL_DEFAULTS = {
  autoReconnect: false,
  reconnectBaseMs: 500,
  reconnectMaxMs: 60_000,
  reconnectJitter: 0.2,
  maxBatchBytes: 65_536,
  writeQueueSize: 256,
} as const;

/** Smallest maxBatchBytes accepted: room for an envelope with a small payload. */
const MIN_BATCH_BYTES = 1024;

const KNOWN_KEYS = [
  'hubAddr',
  'instanceName',
  'subscribe',
  'tls',
  'autoReconnect',
  'reconnectBaseMs',
  'reconnectMaxMs',
  'reconnectJitter',
  'maxBatchBytes',
  'writeQueueSize',
];

/**
 * Applies defaults and checks `input`; with TLS, reads the certificate's CN (synchronously) to settle
 * the identity.
 *
 * @throws ConfigError listing every problem, each naming its field.
 */
export function resolveEphemeralConfig(input: EphemeralConfig): ResolvedEphemeralConfig {
  const issues = new ConfigIssues();
  if (typeof input !== 'object' || (input as unknown) === null) {
    issues.addGeneral('the configuration must be an object');
    issues.throwIfAny();
  }
  for (const key of Object.keys(input)) {
    if (!KNOWN_KEYS.includes(key)) {
      const guess = closestMatch(key, KNOWN_KEYS);
      issues.add(key, ` is not a known setting${guess === undefined ? '' : ` (did you mean ${guess}?)`}`);
    }
  }
  const hubAddr = typeof input.hubAddr === 'string' ? input.hubAddr : '';
  if (hubAddr === '') issues.add('hubAddr', ' is required (host:port of the hub)');
  else {
    const problem = addressProblem(hubAddr, 'dial');
    if (problem !== undefined) issues.add('hubAddr', ` ${JSON.stringify(hubAddr)}: ${problem}`);
  }
  const subscribe = checkSubscribe(input.subscribe, issues);
  const tls = checkTls(input.tls, issues);
  const instanceName = settleInstanceName(input.instanceName, tls, issues);
  const resolved: ResolvedEphemeralConfig = {
    hubAddr,
    instanceName,
    subscribe,
    tls,
    autoReconnect:
      checkBoolean(input.autoReconnect, 'autoReconnect', issues) ?? EPHEMERAL_DEFAULTS.autoReconnect,
    reconnectBaseMs: checkNumber(input.reconnectBaseMs, 'reconnectBaseMs', issues, { min: 1 }),
    reconnectMaxMs: checkNumber(input.reconnectMaxMs, 'reconnectMaxMs', issues, { min: 1 }),
    reconnectJitter: checkNumber(input.reconnectJitter, 'reconnectJitter', issues, { min: 0, max: 1 }),
    maxBatchBytes: checkNumber(input.maxBatchBytes, 'maxBatchBytes', issues, {
      min: MIN_BATCH_BYTES,
      integer: true,
    }),
    writeQueueSize: checkNumber(input.writeQueueSize, 'writeQueueSize', issues, { min: 1, integer: true }),
  };
  if (resolved.reconnectMaxMs < resolved.reconnectBaseMs) {
    issues.add(
      'reconnectMaxMs',
      ` (${resolved.reconnectMaxMs}) must be at least reconnectBaseMs (${resolved.reconnectBaseMs})`,
    );
  }
  issues.throwIfAny();
  return resolved;
}

function checkSubscribe(value: unknown, issues: ConfigIssues): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    issues.add('subscribe', ' must be an array of channel names');
    return [];
  }
  const channels: string[] = [];
  value.forEach((channel: unknown, index) => {
    const path = indexPath('subscribe', index);
    if (typeof channel !== 'string') {
      issues.add(path, ' must be a channel name (a string)');
      return;
    }
    const problem = channelNameProblem(channel);
    if (problem !== undefined) issues.add(path, ` ${JSON.stringify(channel)}: ${problem}`);
    else if (isDeadLetterChannel(channel))
      issues.add(path, ` ${JSON.stringify(channel)}: dead-letter channels are not federated`);
    else if (!channels.includes(channel)) channels.push(channel);
  });
  return channels;
}

function checkTls(
  value: EphemeralTlsConfig | undefined,
  issues: ConfigIssues,
): EphemeralTlsConfig | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || (value as unknown) === null) {
    issues.add('tls', ' must be an object with cert, key and ca');
    return undefined;
  }
  for (const field of ['cert', 'key', 'ca'] as const) {
    if (typeof value[field] !== 'string' || value[field] === '') {
      issues.add(`tls.${field}`, ' is required (path to a PEM file) when tls is set');
    }
  }
  if (value.minVersion !== undefined && value.minVersion !== '1.2' && value.minVersion !== '1.3') {
    issues.add('tls.minVersion', ` must be "1.2" or "1.3", got ${JSON.stringify(value.minVersion)}`);
  }
  return value;
}

function settleInstanceName(
  value: unknown,
  tls: EphemeralTlsConfig | undefined,
  issues: ConfigIssues,
): string {
  if (value !== undefined && (typeof value !== 'string' || value === '')) {
    issues.add('instanceName', ' must be a non-empty string');
    return '';
  }
  const name = value;
  if (tls === undefined || typeof tls.cert !== 'string' || tls.cert === '') {
    if (name === undefined && tls === undefined)
      issues.add('instanceName', ' is required without tls (with tls it defaults to the certificate CN)');
    return name ?? '';
  }
  const commonName = certificateIdentity(tls.cert, issues);
  if (commonName === undefined) return name ?? '';
  if (name !== undefined && name !== commonName) {
    issues.add(
      'instanceName',
      ` ${JSON.stringify(name)} does not match the CN ${JSON.stringify(commonName)} of tls.cert; with TLS the certificate CN is the identity (omit instanceName or set it to ${JSON.stringify(commonName)})`,
    );
  }
  return commonName;
}

function checkBoolean(value: unknown, field: string, issues: ConfigIssues): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  issues.add(field, ` must be true or false, got ${JSON.stringify(value)}`);
  return undefined;
}

type NumericField =
  'reconnectBaseMs' | 'reconnectMaxMs' | 'reconnectJitter' | 'maxBatchBytes' | 'writeQueueSize';

function checkNumber(
  value: unknown,
  field: NumericField,
  issues: ConfigIssues,
  rule: { min: number; max?: number; integer?: boolean },
): number {
  const fallback = EPHEMERAL_DEFAULTS[field];
  if (value === undefined) return fallback;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    value >= rule.min &&
    (rule.max === undefined || value <= rule.max) &&
    (rule.integer !== true || Number.isInteger(value));
  if (ok) return value;
  const range = rule.max === undefined ? `>= ${rule.min}` : `between ${rule.min} and ${rule.max}`;
  issues.add(
    field,
    ` must be ${rule.integer === true ? 'an integer' : 'a number'} ${range}, got ${JSON.stringify(value)}`,
  );
  return fallback;
}
