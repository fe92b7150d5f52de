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
export { errorFromWire, SequenceMismatchError, SkCode, StreamkitError } from './errors.js';
export { requestChannel, spaceChannel, validateSegment, validateSpace, validateStore } from './names.js';
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
