/**
 * Configuration of an ephemeral client (`EphemeralMessenger`): the shape, the defaults (the Go client's), and its
 * resolution through the daemon's decoder and schema (`EPHEMERAL_SCHEMA`), which reports every problem
 * at once as a ConfigError naming each field.
 */
import { addressProblem } from '../../internal/net/index.js';
import { decodeSection } from './decode.js';
import { certificateIdentity } from './identity.js';
import { ConfigIssues } from './issues.js';
import { EPHEMERAL_SCHEMA, type AnyFieldsSpec, type EphemeralSettings } from './schema.js';
import { objectSource } from './source.js';
import type { TlsMinVersion } from './types.js';

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
export interface ResolvedEphemeralConfig extends Omit<EphemeralSettings, 'subscribe' | 'tls'> {
  /** The channels to receive live, each once. */
  subscribe: readonly string[];
  /** Mutual TLS, when configured. */
  tls: EphemeralTlsConfig | undefined;
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

const SCHEMA: AnyFieldsSpec = EPHEMERAL_SCHEMA;

/** What the decoder starts from: the defaults, and empty values for what has none. */
const DECODE_DEFAULTS: EphemeralSettings = {
  hubAddr: '',
  instanceName: '',
  subscribe: [],
  tls: { cert: '', key: '', ca: '', minVersion: '1.3' },
  ...EPHEMERAL_DEFAULTS,
};

/**
 * Applies defaults and checks `input`; with TLS, reads the certificate's CN (synchronously) to settle
 * the identity.
 *
 * @throws ConfigError listing every problem, each naming its field.
 */
export function resolveEphemeralConfig(input: EphemeralConfig): ResolvedEphemeralConfig {
  const issues = new ConfigIssues();
  const raw = input as unknown;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    issues.addGeneral('the configuration must be an object');
    issues.throwIfAny();
  }
  const settings = decodeSection(
    SCHEMA,
    DECODE_DEFAULTS as unknown as Record<string, unknown>,
    objectSource(input),
    'object',
    issues,
    'camel',
  ) as unknown as EphemeralSettings;
  const tls = input.tls === undefined || input.tls === null ? undefined : settings.tls;
  checkHubAddr(settings.hubAddr, issues);
  if (tls !== undefined) {
    for (const field of ['cert', 'key', 'ca'] as const) {
      if (tls[field] === '') issues.add(`tls.${field}`, ' is required (path to a PEM file) when tls is set');
    }
  }
  if (settings.reconnectMaxMs < settings.reconnectBaseMs) {
    issues.add(
      'reconnectMaxMs',
      ` (${settings.reconnectMaxMs}) must be at least reconnectBaseMs (${settings.reconnectBaseMs})`,
    );
  }
  const resolved: ResolvedEphemeralConfig = {
    ...settings,
    instanceName: settleInstanceName(input.instanceName, settings.instanceName, tls, issues),
    subscribe: [...new Set(settings.subscribe)],
    tls,
  };
  issues.throwIfAny();
  return resolved;
}

function checkHubAddr(hubAddr: string, issues: ConfigIssues): void {
  if (hubAddr === '') {
    issues.add('hubAddr', ' is required (host:port of the hub)');
    return;
  }
  const problem = addressProblem(hubAddr, 'dial');
  if (problem !== undefined) issues.add('hubAddr', ` ${JSON.stringify(hubAddr)}: ${problem}`);
}

/** The identity: the certificate CN with TLS (a given `instanceName` must equal it), else `instanceName`. */
function settleInstanceName(
  given: unknown,
  name: string,
  tls: EphemeralTlsConfig | undefined,
  issues: ConfigIssues,
): string {
  if (given === '') issues.add('instanceName', ' must not be empty');
  if (tls === undefined) {
    if (given === undefined)
      issues.add('instanceName', ' is required without tls (with tls it defaults to the certificate CN)');
    return name;
  }
  if (tls.cert === '') return name;
  const commonName = certificateIdentity(tls.cert, issues);
  if (commonName === undefined) return name;
  if (name !== '' && name !== commonName) {
    issues.add(
      'instanceName',
      ` ${JSON.stringify(name)} does not match the CN ${JSON.stringify(commonName)} of tls.cert; with TLS the certificate CN is the identity (omit instanceName or set it to ${JSON.stringify(commonName)})`,
    );
  }
  return commonName;
}
