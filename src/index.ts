/**
 * keyop-messenger: a file-based, federated pub-sub library and daemon.
 *
 * This module is the package's only export.
 */
export {
  Messenger,
  MAX_RECORD_BYTES,
  type BatchMessage,
  type MessengerOptions,
  type PublishOptions,
  type PublishReceipt,
  type SubscribeOptions,
} from './messenger.js';
export {
  DEFAULT_CONFIG,
  loadConfigFile,
  resolveConfig,
  type HubRefConfig,
  type LoadedConfig,
  type LogLevel,
  type MessengerConfig,
  type MessengerConfigInput,
  type PeerPolicyConfig,
  type ResolveOptions,
  type SyncPolicy,
  type TlsMinVersion,
} from './config/index.js';
export { startHttpEndpoint, type HttpEndpoint, type HttpEndpointOptions } from './wiring/index.js';
export type { Subscription } from './subscription.js';
export {
  EphemeralMessenger,
  type EphemeralHandler,
  type EphemeralMessengerOptions,
  type EphemeralPublishOptions,
  type EphemeralReceipt,
  type EphemeralSubscription,
  type LiveMessagesOptions,
  type StatusOptions,
} from './ephemeral.js';
export { EPHEMERAL_DEFAULTS, type EphemeralConfig, type EphemeralTlsConfig } from './config/index.js';
export type { EphemeralState, EphemeralStats, EphemeralStatus } from '../internal/federation/index.js';
export type {
  ChannelStats,
  FederationStats,
  HubLinkStats,
  MessengerStats,
  SubscriberStats,
} from './stats.js';
export { StreamRpc, type RpcService, type StreamRpcOptions, type StreamRpcStats } from './rpc.js';
export {
  CloseCode,
  RpcCloseError,
  isRetryableClose,
  type OpenStreamOptions,
  type RequesterStream,
  type RpcHandler,
  type RpcRequest,
  type RpcWriter,
} from '../internal/rpc/index.js';
export { StreamStore, type AppendOptions, type StreamStoreOptions } from './streamkit.js';
export {
  LeaseRefusedError,
  MAX_CONSUME_LIMIT,
  MAX_TRX_RECORDS,
  SequenceMismatchError,
  SkCode,
  StaleFenceError,
  StreamkitError,
  WorkerGoneError,
  type ConsumeWindow,
  type ExpectedFence,
  type InventoryHandler,
  type JoinOptions,
  type Lease,
  type LeaseHandler,
  type LeaseRefusal,
  type LeaseState,
  type WithLeaseOptions,
  type WorkerInfo,
  type WorkerInventory,
  type WorkerPresence,
  type ProduceOptions,
  type RecordInput,
  type SegmentStatus,
  type SegmentWindow,
  type SpaceHealth,
  type StatusHandler,
  type StatusSubscription,
  type StatusSubscriptionOptions,
  type StatusSubscriptionStats,
  type StreamEntry,
  type TrxRef,
} from '../internal/streamkit/index.js';
export {
  withCorrelationId,
  withServiceName,
  currentCorrelationId,
  currentServiceName,
} from './publish-context.js';
export { ErrorCode, MessengerError, ConfigError, hasErrorCode } from '../internal/errors/index.js';
export type { Logger, LogFields } from '../internal/logger/index.js';
export type { Clock, TimerHandle } from '../internal/clock/index.js';
export type {
  Message,
  MessageHandler,
  DeliveryContext,
  StartPosition,
  StartTime,
} from '../internal/delivery/index.js';
export type { PayloadDecoder } from '../internal/registry/index.js';
export type { Envelope, DeadLetterPayload } from '../internal/envelope/index.js';
export { DEAD_LETTER_PAYLOAD_TYPE } from '../internal/envelope/index.js';
