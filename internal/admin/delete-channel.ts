/**
 * The `delete` verb: a channel and everything kept for it (segments, retention mark, offset files,
 * its dead-letter channel) removed for good, refused while something uses it.
 */
import { ErrorCode, MessengerError } from '../errors/index.js';
import { deadLetterChannelOf, isDeadLetterChannel, validateChannelName } from '../naming/index.js';
import { streamsOnChannel } from '../streams/index.js';
import { audit } from './audit-action.js';
import type { AdminHost } from './host.js';

/** One deleted channel. */
export interface DeletedChannel {
  readonly name: string;
  readonly segments: number;
  readonly bytes: number;
  /** Ids of the offset files removed with it (subscribers, federation cursors, durable readers). */
  readonly subscribers: readonly string[];
}

/**
 * Deletes `channel` and its dead-letter channel. Refused (`ERR_ADMIN_REFUSED`, naming what) while a
 * Durable Stream keeps its data in either, or while something of the running daemon uses either:
 * nothing is deleted then. The next publish to `channel` starts a fresh channel at offset 0.
 *
 * @throws MessengerError `ERR_INVALID_ARGUMENT` when the channel does not exist.
 */
export async function deleteChannel(
  host: AdminHost,
  channel: string,
): Promise<{ channels: DeletedChannel[] }> {
  validateChannelName(channel);
  if (!(await host.storage.hasChannel(channel))) {
    throw new MessengerError(
      ErrorCode.INVALID_ARGUMENT,
      `channel ${JSON.stringify(channel)} does not exist in ${host.storage.channelsDir}`,
    );
  }
  const targets = [channel];
  const deadLetters = deadLetterChannelOf(channel);
  if (!isDeadLetterChannel(channel) && (await host.storage.hasChannel(deadLetters)))
    targets.push(deadLetters);
  await assertUnused(host, channel, targets);
  const deleted: DeletedChannel[] = [];
  for (const name of targets) {
    const { offsets } = await host.storage.offsets.list(name);
    const freed = await host.storage.removeChannel(name);
    deleted.push({ name, ...freed, subscribers: offsets.map((o) => o.id).sort() });
  }
  const summary = deleted
    .map(
      (d) =>
        `${d.name} (${d.bytes} bytes in ${d.segments} segment(s), ${d.subscribers.length} offset file(s))`,
    )
    .join(', ');
  audit(host, channel, undefined, `deleted: ${summary}`);
  return { channels: deleted };
}

/** Refuses the deletion of `targets` while a stream keeps data there or the daemon uses one. */
async function assertUnused(host: AdminHost, channel: string, targets: readonly string[]): Promise<void> {
  const streams = (
    await Promise.all(targets.map((name) => streamsOnChannel(host.storage.options.dataDir, name)))
  ).flat();
  if (streams.length > 0) {
    throw new MessengerError(
      ErrorCode.ADMIN_REFUSED,
      `channel ${JSON.stringify(channel)} holds the data of Durable Stream(s) ${streams.join(', ')}; ` +
        'delete those through the Streams API (DELETE on the stream URL), which also minds their forks',
    );
  }
  const holders = targets.flatMap((name) => host.channelHolders(name).map((what) => `${name}: ${what}`));
  if (holders.length > 0) {
    throw new MessengerError(
      ErrorCode.ADMIN_REFUSED,
      `channel ${JSON.stringify(channel)} is in use in the running daemon (${holders.join('; ')}); ` +
        'stop those (or the daemon) first, then delete it',
    );
  }
}
