/** Channel logs on disk: segments, the group-commit writer, readers, offsets, compaction, the data-dir lock. */
export { ChannelLog, type ChannelLogOptions, type SegmentInfo } from './channel-log.js';
export { compactAll, compactChannel, type CompactionResult, type CompactionSettings } from './compactor.js';
export { dataDirError } from './data-dir-errors.js';
export {
  fittingFileName,
  replaceFileDurably,
  syncDirectory,
  type ReplaceFileOptions,
} from './durable-file.js';
export { assertDataDirUnowned, lockDataDir, type DataDirLock } from './data-dir-lock.js';
export type { ReadResult, SkipReason } from './log-reader.js';
export {
  BURST_WITHIN_MS,
  BatchSchedule,
  FlushScheduler,
  SINGLES_BEFORE_SYNC_ON_LOOP,
  TURN_BUDGET_MS,
  WriterSchedule,
  nodeEventLoop,
  type EventLoop,
} from './flush-scheduler.js';
export { untilGrowth } from './growth.js';
export type { AppendResult, SyncPolicy } from './log-writer.js';
export { OffsetStore, type OffsetFileRef, type StoredOffset } from './offset-store.js';
export { nodeSegmentFs, openOrCreate, writeFully, type SegmentFile, type SegmentFs } from './segment-file.js';
export {
  NO_RETENTION,
  retentionFor,
  type RetentionLimits,
  type RetentionLoss,
  type RetentionOverride,
  type RetentionRules,
} from './retention.js';
export { listSegments, segmentFileName, type Segment } from './segments.js';
export { offsetAtTime, type TimeSeekSource } from './time-seek.js';
export { Storage, type AppendLines, type ChannelSnapshot, type StorageOptions } from './storage.js';
export { repairTornTail } from './torn-tail.js';
