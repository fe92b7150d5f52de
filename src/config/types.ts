/**
 * The shape of a resolved keyop-messenger configuration. YAML keys are the snake_case form of these
 * camelCase names (one exception: `hub.fed_client_offset_ttl`, a Go duration string in YAML, is
 * `hub.fedClientOffsetTtlMs` in milliseconds here).
 */

/** When the channel writer fsyncs: never, on a timer (`sync_interval_ms`), or after every write. */
export type SyncPolicy = 'none' | 'periodic' | 'always';

/** Minimum TLS protocol version accepted on federation links. */
export type TlsMinVersion = '1.2' | '1.3';

/** Lowest level the daemon logs at; `silent` logs nothing. */
/** How links to hubs gate `/readyz` (`http.readiness_hubs`). */
export type ReadinessHubs = 'not_refused' | 'connected' | 'ignore';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** One peer the hub accepts, and the channels it may subscribe to and publish (empty list: any). */
export interface PeerPolicyConfig {
  /** The peer's identity: the CN of its client certificate. */
  name: string;
  /** Channels the peer may subscribe to; empty means any channel it asks for. */
  subscribe: string[];
  /** Channels the hub accepts from the peer; empty means any channel. */
  publish: string[];
}

/**
 * One client of the HTTP endpoint and its rights, each a list of channel patterns (`*` one token,
 * `>` the rest; empty: none).
 */
export interface HttpClientConfig {
  /** The client's identity: the CN of its client certificate, or its name in `http.auth.tokens_file`. */
  name: string;
  /** Channels whose streams the client may read (GET, HEAD). */
  read: string[];
  /** Channels whose streams the client may append to and close (POST). */
  write: string[];
  /** Channels whose streams the client may create, fork and delete (PUT, DELETE); `>` also grants the `__ds` control API. */
  admin: string[];
}

/**
 * A retention override for the channels `match` names (`storage.channels[]`); the first entry that
 * matches a channel wins. A limit left at -1 is not set: the channel keeps the limit it has without
 * the override.
 */
export interface ChannelRetentionConfig {
  /** A channel pattern (`*` one token, `>` the rest). */
  match: string;
  /** Age limit in ms (YAML `retention`: `7d`, `36h`, `forever`); 0 = forever, -1 = not set. */
  retentionMs: number;
  /** Log files kept per channel, the active one included; 0 = unbounded, -1 = not set. */
  maxFiles: number;
}

/** One hub this instance connects to as a client. */
export interface HubRefConfig {
  /** The hub's `host:port`. */
  addr: string;
  /** Channels to receive from the hub. */
  subscribe: string[];
  /** Channels to send to the hub. */
  publish: string[];
}

/**
 * A streamkit store the daemon hosts (`streamkit.stores[]`): opened at start, closed at shutdown.
 * On its authority it serves produce, lease and worker requests; elsewhere it is a replica.
 */
export interface StreamkitStoreConfig {
  /** The store name, `[a-z0-9-]{1,64}`. */
  name: string;
  /** The instance that writes the store, the same on every instance; empty: this instance. */
  authority: string;
  /** Deadline of a produce a replica sends to the authority, in ms. */
  requestTimeoutMs: number;
}

/** A complete, validated configuration: every key present, every default applied. */
export interface MessengerConfig {
  /** Instance identity: the TLS certificate CN when TLS is configured, else this name (default: host name). */
  name: string;
  /** Channel logs, offsets and fsync behaviour. */
  storage: {
    dataDir: string;
    syncPolicy: SyncPolicy;
    syncIntervalMs: number;
    maxSubscriberLagMb: number;
    compactionThresholdMb: number;
    offsetFlushIntervalMs: number;
    /** Age after which sealed segments are evicted, in ms (YAML `retention`); 0 = forever. */
    retentionMs: number;
    /** Log files kept per channel, the active one included; 0 = unbounded. */
    maxFiles: number;
    /** `retention` of `.dead-letter` channels, in ms (YAML `dead_letter_retention`); 0 = forever. */
    deadLetterRetentionMs: number;
    /** Segment size of `.dead-letter` channels in MiB. */
    deadLetterCompactionThresholdMb: number;
    /** Per-channel retention overrides, first match wins. */
    channels: ChannelRetentionConfig[];
  };
  /** Local subscriber retry behaviour. */
  subscribers: { maxRetries: number; retryBackoffBaseMs: number; retryBackoffMaxMs: number };
  /** The federation hub (server side). */
  hub: {
    enabled: boolean;
    listenAddr: string;
    allowedPeers: PeerPolicyConfig[];
    fedClientOffsetTtlMs: number;
    /** Channels one peer connection may subscribe to; a handshake asking for more is refused (4429). */
    maxSubscriptionsPerPeer: number;
  };
  /** Federation client links to hubs. */
  client: { enabled: boolean; hubs: HubRefConfig[] };
  /** mTLS material for federation; an empty `cert` means TLS is not configured. */
  tls: { cert: string; key: string; ca: string; minVersion: TlsMinVersion; expiryWarnDays: number };
  /** Federation link tuning. */
  federation: {
    /** Federation without TLS (plain `ws://`, peers unauthenticated), allowed only when this is true. */
    insecurePlaintext: boolean;
    reconnectBaseMs: number;
    reconnectMaxMs: number;
    reconnectJitter: number;
    sendBufferMessages: number;
    maxBatchBytes: number;
  };
  /** Duplicate suppression. */
  dedup: { seenIdLruSize: number };
  /** Audit log rotation. */
  audit: { maxSizeMb: number; maxFiles: number };
  /** The HTTP listener (health, readiness, Durable Streams). */
  http: {
    listenAddr: string;
    longPollTimeoutMs: number;
    /** Who may use the endpoint; nothing configured means anyone who reaches it (loopback only). */
    auth: { tokensFile: string; clients: HttpClientConfig[] };
    /** Serve anonymous clients with full rights on a non-loopback `listenAddr` (a loud opt-out). */
    insecureAllowAnonymous: boolean;
    /** Browser origins allowed by CORS (`https://app.example`, or `*`); empty: none. */
    corsOrigins: string[];
    /** Host names accepted in the `Host` header besides the listen address (and localhost on loopback). */
    allowedHosts: string[];
    /**
     * How links to hubs gate `/readyz`: `not_refused` (unready while a hub refuses this instance for
     * good), `connected` (unready until every hub is connected), `ignore` (hubs only reported).
     */
    readinessHubs: ReadinessHubs;
    /** Serve the web console at `/ui/` (needs the daemon's admin API; the same rights as `/metrics` to look). */
    console: boolean;
  };
  /** Daemon logging. */
  log: { level: LogLevel };
  /** Streamkit stores hosted by the daemon (docs/conventions/streamkit.md). */
  streamkit: { stores: StreamkitStoreConfig[] };
  /** `GET /metrics` on the HTTP listener (Prometheus text format). */
  metrics: {
    /** Serve `/metrics`. */
    enabled: boolean;
    /**
     * Channels given their own label value, the busiest by bytes first; the rest are summed under
     * `channel="_other"`, so that thousands of channels do not make thousands of series.
     */
    maxChannels: number;
  };
}

/** Every key optional at every depth; list elements are partial objects too. */
export type DeepPartial<T> = T extends readonly (infer U)[]
  ? readonly DeepPartial<U>[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** A configuration as a caller writes it: a deep-partial {@link MessengerConfig}; missing keys get defaults. */
export type MessengerConfigInput = DeepPartial<MessengerConfig>;

/** A deeply read-only view, for shared constants. */
export type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;
