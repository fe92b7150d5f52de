/**
 * The audit log: an append-only JSONL record of federation events, written asynchronously.
 */
export { AUDIT_FILE_NAME, AuditLog } from './audit-log.js';
export type { AuditLogOptions, AuditStats } from './audit-log.js';
export { AuditEvent } from './record.js';
export type { AuditEventName, AuditRecord } from './record.js';
