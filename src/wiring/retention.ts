/**
 * Retention as the Messenger runs it: the storage rules made from `storage.retention`, `max_files`,
 * `dead_letter_retention` and `channels`, and the audit events of records lost to it.
 */
import { AuditEvent, type AuditLog } from '../../internal/audit/index.js';
import type { RetentionLoss, RetentionRules } from '../../internal/storage/index.js';
import type { MessengerConfig } from '../config/index.js';

/**
 * Request/reply inboxes (`_inbox.*`) keep an hour unless an override of `storage.channels` names them:
 * a frame is useless once its stream has ended (3 keepalives of silence), and an inbox left behind
 * by a requester that never returns must not grow forever.
 */
export const INBOX_RETENTION = { match: '_inbox.>', maxAgeMs: 3_600_000, maxFiles: undefined } as const;

/**
 * The storage rules of a resolved configuration (an override's -1 means "not set"); the built-in
 * {@link INBOX_RETENTION} comes after the configured overrides, so any of them that matches wins.
 */
export function retentionRulesOf(config: MessengerConfig): RetentionRules {
  const { storage } = config;
  const set = (value: number): number | undefined => (value < 0 ? undefined : value);
  return {
    channels: { maxAgeMs: storage.retentionMs, maxFiles: storage.maxFiles },
    deadLetter: { maxAgeMs: storage.deadLetterRetentionMs, maxFiles: storage.maxFiles },
    overrides: [
      ...storage.channels.map((o) => ({
        match: o.match,
        maxAgeMs: set(o.retentionMs),
        maxFiles: set(o.maxFiles),
      })),
      INBOX_RETENTION,
    ],
  };
}

/** Writes retention losses to the audit log once there is one (federation enabled). */
export class RetentionAudit {
  /** The audit log; losses before it is set are logged and counted only. */
  auditLog: AuditLog | undefined;

  /** Audits one loss. */
  record(loss: RetentionLoss): void {
    this.auditLog?.log({
      event: loss.kind === 'evicted' ? AuditEvent.RETENTION_EVICTED : AuditEvent.RETENTION_SKIPPED,
      channel: loss.channel,
      peer: loss.cursor,
      detail: `from=${loss.from} to=${loss.to} bytes=${loss.to - loss.from}`,
    });
  }
}
