/**
 * Streamkit stores as a channel convention (docs/conventions/streamkit.md): spaces as retained
 * channels, segments with contiguous sequences, transactions, sequence-checked produce, reads from a
 * derived index, and status subscriptions.
 */
export {
  ABORT_TYPE,
  ENTRY_TYPE,
  entryFromWire,
  entryToWire,
  STATUS_TYPE,
  statusFromWire,
  statusToWire,
  prepareRecord,
  type RecordInput,
  type SegmentStatus,
  type StreamEntry,
  type TrxRef,
} from './entry.js';
export {
  errorFromWire,
  LeaseRefusedError,
  SequenceMismatchError,
  SkCode,
  StaleFenceError,
  StreamkitError,
  WorkerGoneError,
  type LeaseRefusal,
  type WorkerGoneReason,
} from './errors.js';
export {
  leasesChannel,
  requestChannel,
  spaceChannel,
  storeNameProblem,
  validateSegment,
  validateSpace,
  validateStore,
  workersChannel,
} from './names.js';
export {
  CoordinationType,
  RemoteCoordinator,
  type CoordinationRpc,
  type Coordinator,
} from './coordination-rpc.js';
export type { StoreCoordination } from './coordination.js';
export {
  MAX_LEASE_TTL_SECONDS,
  MIN_LEASE_TTL_SECONDS,
  ttlSecondsOf,
  validateHolder,
  validateLeaseKey,
  type LeaseEvent,
  type LeaseState,
} from './lease-table.js';
export { LEASE_STATE_TYPE, leaseToWire, type LeaseHandler, type WireLeaseState } from './leases.js';
export {
  safetyMarginMs,
  withLease,
  type Lease,
  type LeaseClient,
  type WithLeaseOptions,
} from './with-lease.js';
export {
  EMPTY_INVENTORY,
  INVENTORY_TYPE,
  inventoryToWire,
  type InventoryEvent,
  type InventoryHandler,
  type WorkerInfo,
  type WorkerInventory,
} from './worker-inventory.js';
export {
  DEFAULT_HEARTBEAT_SECONDS,
  evictionDelayMs,
  heartbeatSeconds,
  type WorkerRegistration,
} from './worker-registry.js';
export { joinWorkers, type JoinOptions, type WorkerPresence } from './worker-presence.js';
export type {
  StatusHandler,
  StatusSubscription,
  StatusSubscriptionOptions,
  StatusSubscriptionStats,
} from './status-subscriptions.js';
export { PEEK_TYPE, requestPeek } from './remote-peek.js';
export {
  PRODUCE_TYPE,
  produceBody,
  recordFromWire,
  type ExpectedFence,
  requestProduce,
  type ProduceBody,
  type ProduceRpc,
  type WireRecord,
} from './remote-produce.js';
export {
  checkSizes,
  MAX_TRX_RECORDS,
  SkStore,
  type ProduceOptions,
  type SkStoreOptions,
  type SpaceHealth,
  type StoreHost,
} from './store.js';
export { MAX_CONSUME_LIMIT, type ConsumeWindow, type SegmentWindow } from './window.js';
