/** Channel logs on disk: segments, the group-commit writer, readers, offsets, compaction, the data-dir lock. */
export { ChannelLog, type ChannelLogOptions, type SegmentInfo } from './channel-log.js';
export { compactAll, compactChannel, type CompactionResult, type CompactionSettings } from './compactor.js';
export { dataDirError } from './data-dir-errors.js';
export { assertDataDirUnowned, lockDataDir, type DataDirLock } from './data-dir-lock.js';
export type { ReadResult, SkipReason } from './log-reader.js';
export { SINGLES_BEFORE_SYNC_ON_LOOP, type AppendResult, type SyncPolicy } from './log-writer.js';
export { OffsetStore, type StoredOffset } from './offset-store.js';
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
