/**
 * keyop-messenger: a file-based, federated pub-sub library and daemon.
 *
 * This module is the package's only export.
 */
export { ErrorCode, MessengerError, ConfigError, hasErrorCode } from '../internal/errors/index.js';
export type { Logger, LogFields } from '../internal/logger/index.js';
export type { Clock, TimerHandle } from '../internal/clock/index.js';
