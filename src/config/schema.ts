/**
 * Every configuration key: its kind and its per-value limits. The type {@link FieldsSpec} makes the
 * compiler check that the schema names exactly the keys of {@link MessengerConfig}. YAML keys are
 * the snake_case form of the camelCase names unless a field says otherwise (`yamlKey`).
 */
import {
  channelNameProblem,
  channelPatternProblem,
  isDeadLetterChannel,
} from '../../internal/naming/index.js';
import { hostNameProblem, originProblem } from '../../internal/net/index.js';
import {
  DEFAULT_CHANNEL_RETENTION,
  DEFAULT_HTTP_CLIENT,
  DEFAULT_HUB_REF,
  DEFAULT_PEER_POLICY,
  DEFAULT_STREAMKIT_STORE,
  MAX_BATCH_BYTES_LIMIT,
  MAX_EXPIRY_WARN_DAYS,
  MAX_MEGABYTES,
  MAX_TIMER_MS,
} from './defaults.js';
import type {
  DeepReadonly,
  LogLevel,
  MessengerConfig,
  ReadinessHubs,
  SyncPolicy,
  TlsMinVersion,
} from './types.js';

/** Free text (YAML numbers are taken as written, as Go's decoder does). */
export interface StringSpec {
  readonly kind: 'string';
}
/** One of a fixed set of strings. */
export interface EnumSpec<T extends string> {
  readonly kind: 'enum';
  readonly values: readonly T[];
}
/** `true` or `false`, nothing else. */
export interface BoolSpec {
  readonly kind: 'bool';
}
/** A whole number from `min` (0: non-negative, 1: positive, or any other floor) up to `max`. */
export interface IntSpec {
  readonly kind: 'int';
  readonly min: number;
  readonly max?: number;
}
/** A number between 0 and 1. */
export interface FractionSpec {
  readonly kind: 'fraction';
}
/** Milliseconds; a Go duration string (or `0`) in YAML, a non-negative integer in a config object. */
export interface DurationSpec {
  readonly kind: 'duration';
}
/**
 * A retention age in ms: in YAML `forever`, `0`, or a positive Go duration that may start with days
 * (`7d`, `1d12h`); in a config object non-negative integer milliseconds. 0 means forever.
 */
export interface RetentionSpec {
  readonly kind: 'retention';
}
/**
 * A list of channel names and patterns (`*` one token, a final `>` the rest); `publish` lists may not
 * name `.dead-letter` channels.
 */
export interface ChannelListSpec {
  readonly kind: 'channels';
  readonly publish: boolean;
}
/** A list of strings, each checked by `problem` (which names the rule a value breaks). */
export interface StringListSpec {
  readonly kind: 'strings';
  /** What one value is, for messages (`a channel pattern`). */
  readonly item: string;
  readonly problem: (value: string) => string | undefined;
}
/** A nested mapping. */
export interface SectionSpec<T> {
  readonly kind: 'section';
  readonly fields: FieldsSpec<T>;
}
/** A list of mappings; `item` holds each element's defaults. */
export interface SectionListSpec<T> {
  readonly kind: 'sections';
  readonly fields: FieldsSpec<T>;
  readonly item: DeepReadonly<T>;
}

/** Optional YAML spelling of a key whose snake_case form differs from its camelCase name. */
interface Spelling {
  readonly yamlKey?: string;
}

/** The spec kinds that fit a value of type `V`. */
export type FieldSpec<V> = Spelling &
  ([V] extends [boolean]
    ? BoolSpec
    : [V] extends [number]
      ? IntSpec | FractionSpec | DurationSpec | RetentionSpec
      : [V] extends [string]
        ? string extends V
          ? StringSpec
          : EnumSpec<V>
        : [V] extends [readonly (infer U)[]]
          ? [U] extends [string]
            ? ChannelListSpec | StringListSpec
            : SectionListSpec<U>
          : SectionSpec<V>);

/** A spec for every key of `T`. */
export type FieldsSpec<T> = { readonly [K in keyof T]-?: FieldSpec<T[K]> };

/** Any field spec, as the decoder sees it. */
export type AnyFieldSpec = Spelling &
  (
    | StringSpec
    | EnumSpec<string>
    | BoolSpec
    | IntSpec
    | FractionSpec
    | DurationSpec
    | RetentionSpec
    | ChannelListSpec
    | StringListSpec
    | { readonly kind: 'section'; readonly fields: AnyFieldsSpec }
    | { readonly kind: 'sections'; readonly fields: AnyFieldsSpec; readonly item: unknown }
  );

/** Specs by camelCase key, as the decoder sees them. */
export type AnyFieldsSpec = Readonly<Record<string, AnyFieldSpec>>;

/** The YAML key of the field named `camelKey`. */
export function yamlKeyOf(camelKey: string, spec: AnyFieldSpec): string {
  return spec.yamlKey ?? camelKey.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

const text: StringSpec = { kind: 'string' };
const flag: BoolSpec = { kind: 'bool' };
const positive: IntSpec = { kind: 'int', min: 1 };
const nonNegative: IntSpec = { kind: 'int', min: 0 };
const megabytes: IntSpec = { kind: 'int', min: 1, max: MAX_MEGABYTES };
const delayMs: IntSpec = { kind: 'int', min: 0, max: MAX_TIMER_MS };
const positiveDelayMs: IntSpec = { kind: 'int', min: 1, max: MAX_TIMER_MS };
const subscribable: ChannelListSpec = { kind: 'channels', publish: false };
const publishable: ChannelListSpec = { kind: 'channels', publish: true };

const patterns: StringListSpec = {
  kind: 'strings',
  item: 'a channel pattern',
  problem: channelPatternProblem,
};

const SYNC_POLICIES: readonly SyncPolicy[] = ['none', 'periodic', 'always'];
const TLS_VERSIONS: readonly TlsMinVersion[] = ['1.2', '1.3'];
const READINESS_HUBS: readonly ReadinessHubs[] = ['not_refused', 'connected', 'ignore'];
const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** The whole configuration schema. */
export const CONFIG_SCHEMA: FieldsSpec<MessengerConfig> = {
  name: text,
  storage: {
    kind: 'section',
    fields: {
      dataDir: text,
      syncPolicy: { kind: 'enum', values: SYNC_POLICIES },
      syncIntervalMs: delayMs,
      maxSubscriberLagMb: megabytes,
      compactionThresholdMb: megabytes,
      offsetFlushIntervalMs: delayMs,
      retentionMs: { kind: 'retention', yamlKey: 'retention' },
      maxFiles: nonNegative,
      deadLetterRetentionMs: { kind: 'retention', yamlKey: 'dead_letter_retention' },
      deadLetterCompactionThresholdMb: megabytes,
      channels: {
        kind: 'sections',
        item: DEFAULT_CHANNEL_RETENTION,
        fields: {
          match: text,
          retentionMs: { kind: 'retention', yamlKey: 'retention' },
          maxFiles: nonNegative,
        },
      },
    },
  },
  subscribers: {
    kind: 'section',
    fields: { maxRetries: nonNegative, retryBackoffBaseMs: delayMs, retryBackoffMaxMs: delayMs },
  },
  hub: {
    kind: 'section',
    fields: {
      enabled: flag,
      listenAddr: text,
      allowedPeers: {
        kind: 'sections',
        item: DEFAULT_PEER_POLICY,
        fields: { name: text, subscribe: subscribable, publish: publishable },
      },
      fedClientOffsetTtlMs: { kind: 'duration', yamlKey: 'fed_client_offset_ttl' },
      maxSubscriptionsPerPeer: positive,
    },
  },
  client: {
    kind: 'section',
    fields: {
      enabled: flag,
      hubs: {
        kind: 'sections',
        item: DEFAULT_HUB_REF,
        fields: { addr: text, subscribe: subscribable, publish: publishable },
      },
    },
  },
  tls: {
    kind: 'section',
    fields: {
      cert: text,
      key: text,
      ca: text,
      minVersion: { kind: 'enum', values: TLS_VERSIONS },
      expiryWarnDays: { kind: 'int', min: 0, max: MAX_EXPIRY_WARN_DAYS },
    },
  },
  federation: {
    kind: 'section',
    fields: {
      insecurePlaintext: flag,
      reconnectBaseMs: positiveDelayMs,
      reconnectMaxMs: positiveDelayMs,
      reconnectJitter: { kind: 'fraction' },
      sendBufferMessages: positive,
      maxBatchBytes: { kind: 'int', min: 1, max: MAX_BATCH_BYTES_LIMIT },
    },
  },
  dedup: { kind: 'section', fields: { seenIdLruSize: positive } },
  audit: { kind: 'section', fields: { maxSizeMb: megabytes, maxFiles: positive } },
  http: {
    kind: 'section',
    fields: {
      listenAddr: text,
      longPollTimeoutMs: positiveDelayMs,
      auth: {
        kind: 'section',
        fields: {
          tokensFile: text,
          clients: {
            kind: 'sections',
            item: DEFAULT_HTTP_CLIENT,
            fields: { name: text, read: patterns, write: patterns, admin: patterns },
          },
        },
      },
      insecureAllowAnonymous: flag,
      corsOrigins: { kind: 'strings', item: 'an origin', problem: originProblem },
      allowedHosts: { kind: 'strings', item: 'a host name', problem: hostNameProblem },
      readinessHubs: { kind: 'enum', values: READINESS_HUBS },
      console: flag,
    },
  },
  log: { kind: 'section', fields: { level: { kind: 'enum', values: LOG_LEVELS } } },
  metrics: { kind: 'section', fields: { enabled: flag, maxChannels: positive } },
  streamkit: {
    kind: 'section',
    fields: {
      stores: {
        kind: 'sections',
        item: DEFAULT_STREAMKIT_STORE,
        fields: { name: text, authority: text, requestTimeoutMs: positiveDelayMs },
      },
    },
  },
};

/**
 * The settings of an ephemeral client as the decoder fills them: every key present, `tls` with its
 * defaults (whether `tls` was given at all is the caller's to see).
 */
export interface EphemeralSettings {
  hubAddr: string;
  instanceName: string;
  subscribe: string[];
  tls: { cert: string; key: string; ca: string; minVersion: TlsMinVersion };
  autoReconnect: boolean;
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  reconnectJitter: number;
  maxBatchBytes: number;
  writeQueueSize: number;
}

/** Smallest ephemeral `maxBatchBytes`: room for an envelope with a small payload. */
export const MIN_EPHEMERAL_BATCH_BYTES = 1024;

/** Why `name` cannot be an ephemeral subscription (a channel name, never a dead-letter one), or undefined. */
function ephemeralChannelProblem(name: string): string | undefined {
  return (
    channelNameProblem(name) ??
    (isDeadLetterChannel(name) ? 'dead-letter channels are not federated' : undefined)
  );
}

/**
 * The ephemeral client's settings, decoded by the same decoder and the same value rules as the
 * daemon's keys of the same meaning (`federation.reconnect_*`, `max_batch_bytes`, `tls`); its keys are
 * camelCase only, in the input and in messages.
 */
export const EPHEMERAL_SCHEMA: FieldsSpec<EphemeralSettings> = {
  hubAddr: text,
  instanceName: text,
  subscribe: { kind: 'strings', item: 'a subscribable channel name', problem: ephemeralChannelProblem },
  tls: {
    kind: 'section',
    fields: { cert: text, key: text, ca: text, minVersion: { kind: 'enum', values: TLS_VERSIONS } },
  },
  autoReconnect: flag,
  reconnectBaseMs: positiveDelayMs,
  reconnectMaxMs: positiveDelayMs,
  reconnectJitter: { kind: 'fraction' },
  maxBatchBytes: { kind: 'int', min: MIN_EPHEMERAL_BATCH_BYTES, max: MAX_BATCH_BYTES_LIMIT },
  writeQueueSize: positive,
};
