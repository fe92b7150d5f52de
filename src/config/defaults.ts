/**
 * Default values, as in the Go original (v0.12.0) plus the `http` and `log` sections and Go's later
 * `subscribers.retry_backoff_*` keys.
 */
import type {
  ChannelRetentionConfig,
  DeepReadonly,
  HttpClientConfig,
  HubRefConfig,
  MessengerConfig,
  PeerPolicyConfig,
  StreamkitStoreConfig,
} from './types.js';

/** Largest delay Node timers honour (2^31 - 1 ms); longer ones fire after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * Largest `federation.max_batch_bytes`: twice Go's default (v0.13+), so that a record of that size
 * with its route still fits the 16 MiB a channel stores per record.
 */
export const MAX_BATCH_BYTES_LIMIT = 8 * 2 ** 20;

/** Largest megabyte count whose byte size is still a safe integer. */
export const MAX_MEGABYTES = Math.floor(Number.MAX_SAFE_INTEGER / 2 ** 20);

/** Longest certificate expiry warning, in days (100 years; more would overflow the date arithmetic). */
export const MAX_EXPIRY_WARN_DAYS = 36_500;

/** One day in ms (`1d` in a retention). */
export const DAY_MS = 86_400_000;

/** Default port of the HTTP listener (health, readiness, Durable Streams). */
export const DEFAULT_HTTP_LISTEN_ADDR = '127.0.0.1:4437';

/**
 * Every default except `name`, which is resolved at load time: the TLS certificate CN when
 * `tls.cert` is set, else `os.hostname()`. `storage.dataDir` defaults to `./data` for the daemon;
 * the library passes `requireDataDir` to {@link resolveConfig} instead.
 */
export const DEFAULT_CONFIG: DeepReadonly<Omit<MessengerConfig, 'name'>> = deepFreeze<
  Omit<MessengerConfig, 'name'>
>({
  storage: {
    dataDir: './data',
    syncPolicy: 'periodic',
    syncIntervalMs: 200,
    maxSubscriberLagMb: 512,
    compactionThresholdMb: 256,
    offsetFlushIntervalMs: 0,
    // Go v0.12 evicts nothing by age or count; its later dead-letter defaults (7 days, 50 MiB) apply.
    retentionMs: 0,
    maxFiles: 0,
    deadLetterRetentionMs: 7 * DAY_MS,
    deadLetterCompactionThresholdMb: 50,
    channels: [],
  },
  subscribers: { maxRetries: 5, retryBackoffBaseMs: 100, retryBackoffMaxMs: 5000 },
  hub: {
    enabled: false,
    listenAddr: '',
    allowedPeers: [],
    fedClientOffsetTtlMs: 168 * 3_600_000,
    maxSubscriptionsPerPeer: 1024,
  },
  client: { enabled: false, hubs: [] },
  tls: { cert: '', key: '', ca: '', minVersion: '1.3', expiryWarnDays: 30 },
  federation: {
    insecurePlaintext: false,
    reconnectBaseMs: 500,
    reconnectMaxMs: 60_000,
    reconnectJitter: 0.2,
    sendBufferMessages: 10_000,
    // Go v0.13+ (4 MiB): a Go peer's large record is accepted (see DESIGN.md §8.9).
    maxBatchBytes: 4 * 2 ** 20,
  },
  dedup: { seenIdLruSize: 100_000 },
  audit: { maxSizeMb: 100, maxFiles: 10 },
  http: {
    listenAddr: DEFAULT_HTTP_LISTEN_ADDR,
    longPollTimeoutMs: 30_000,
    auth: { tokensFile: '', clients: [] },
    insecureAllowAnonymous: false,
    corsOrigins: [],
    allowedHosts: [],
    readinessHubs: 'not_refused',
    console: false,
  },
  log: { level: 'info' },
  metrics: { enabled: true, maxChannels: 200 },
  streamkit: { stores: [] },
});

/** Defaults of one `hub.allowed_peers[]` entry (`name` is required, so its default is the "missing" marker). */
export const DEFAULT_PEER_POLICY = deepFreeze<PeerPolicyConfig>({ name: '', subscribe: [], publish: [] });

/** Defaults of one `storage.channels[]` entry (`match` is required; unset limits are -1). */
export const DEFAULT_CHANNEL_RETENTION = deepFreeze<ChannelRetentionConfig>({
  match: '',
  retentionMs: -1,
  maxFiles: -1,
});

/** Defaults of one `client.hubs[]` entry (`addr` is required, so its default is the "missing" marker). */
export const DEFAULT_HUB_REF = deepFreeze<HubRefConfig>({ addr: '', subscribe: [], publish: [] });

/** Defaults of one `http.auth.clients[]` entry (`name` is required; no rights unless listed). */
export const DEFAULT_HTTP_CLIENT = deepFreeze<HttpClientConfig>({ name: '', read: [], write: [], admin: [] });

/** Defaults of one `streamkit.stores[]` entry (`name` is required; authority empty: this instance). */
export const DEFAULT_STREAMKIT_STORE = deepFreeze<StreamkitStoreConfig>({
  name: '',
  authority: '',
  requestTimeoutMs: 10_000,
});

function deepFreeze<T>(value: T): DeepReadonly<T> {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value as DeepReadonly<T>;
}
