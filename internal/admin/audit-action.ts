/** The audit record of an admin action. */
import { AuditEvent } from '../audit/index.js';
import type { AdminHost } from './host.js';

/** Records the admin action `detail` on `channel` (and `subscriber`) in the audit log of `host`. */
export function audit(
  host: AdminHost,
  channel: string,
  subscriber: string | undefined,
  detail: string,
): void {
  host.audit({
    event: AuditEvent.ADMIN,
    channel,
    ...(subscriber === undefined ? {} : { peer: subscriber }),
    detail: `${detail} (${host.mode})`,
  });
}
