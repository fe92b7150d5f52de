/**
 * The admin verbs over an {@link AdminHost}: listing channels and subscribers, reading records,
 * moving and removing offset files, purging or deleting a channel, replaying its dead letters. The same code
 * serves the daemon's socket and the CLI on a stopped data dir.
 */
import fsp from 'node:fs/promises';
import { resolveStartPosition, splitRecords } from '../delivery/index.js';
import {
  DEAD_LETTER_PAYLOAD_TYPE,
  encodeEnvelope,
  parseEnvelope,
  type DeadLetterPayload,
} from '../envelope/index.js';
import { ErrorCode, MessengerError } from '../errors/index.js';
import { silentLogger } from '../logger/index.js';
import {
  cursorIds,
  deadLetterChannelOf,
  sanitizeFileComponent,
  validateChannelName,
} from '../naming/index.js';
import { retentionFor, untilGrowth, type ChannelLog } from '../storage/index.js';
import { audit } from './audit-action.js';
import { deleteChannel } from './delete-channel.js';
import type { AdminHost } from './host.js';
import type { AdminRequest, WirePosition } from './protocol.js';

/** Bytes read per step when scanning a channel. */
const READ_BYTES = 4 * 1024 * 1024;
/** The most records one `cat` request returns (the CLI pages). */
export const MAX_CAT_PAGE = 1000;
/** Offset file names of federation cursors, owned by the running federation. */

/** One channel on disk. */
export interface ChannelInfo {
  readonly name: string;
  readonly startOffset: number;
  readonly endOffset: number;
  readonly bytes: number;
  readonly records: number;
  readonly segments: number;
  /** Retention limits (0: unlimited); a retained channel is never evicted. */
  readonly retention: { readonly maxAgeMs: number; readonly maxFiles: number; readonly retained: boolean };
}

/** One offset file of a channel, with the subscriber's live counters when it is delivering. */
export interface SubscriberInfo {
  readonly id: string;
  readonly offset: number;
  readonly lagBytes: number;
  readonly lagRecords: number;
  readonly active: boolean;
  readonly live?: Readonly<Record<string, unknown>>;
}

/** One record read by `cat`. */
export interface CatRecord {
  readonly offset: number;
  /** The stored envelope line. */
  readonly line: string;
}

/** Runs one admin request against `host`. */
export async function runAdminRequest(host: AdminHost, request: AdminRequest): Promise<unknown> {
  switch (request.verb) {
    case 'channels':
      return listChannels(host);
    case 'stats':
      return host.mode === 'daemon' ? host.liveStats() : { channels: await listChannels(host) };
    case 'subscribers':
      return listSubscribers(host, request.channel);
    case 'cat':
      return readPage(host, request, request.waitMs ?? 0);
    case 'reader-open':
      return openReader(host, request.channel, request.subscriber, request.from);
    case 'reader-commit':
      return commitReader(host, request.channel, request.subscriber, request.offset);
    case 'offset-set':
      return setOffset(host, request.channel, request.subscriber, request.to);
    case 'unsubscribe':
      return unsubscribe(host, request.channel, request.subscriber);
    case 'purge':
      return purge(host, request.channel);
    case 'delete':
      return deleteChannel(host, request.channel);
    case 'dead-letter-replay':
      return replayDeadLetters(host, request.channel);
  }
}

/** The channel names in the data dir (folders of `channels/` with a valid name), sorted. */
async function channelNames(host: AdminHost): Promise<string[]> {
  const entries = await fsp.readdir(host.storage.channelsDir, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory() && isChannelName(entry.name))
    .map((entry) => entry.name)
    .sort();
}

function isChannelName(name: string): boolean {
  try {
    validateChannelName(name);
    return true;
  } catch {
    return false;
  }
}

/** The log of an existing channel; refuses a name with no folder on disk (never creates one). */
async function existingLog(host: AdminHost, channel: string): Promise<ChannelLog> {
  validateChannelName(channel);
  if (!(await channelNames(host)).includes(channel)) {
    throw new MessengerError(
      ErrorCode.INVALID_ARGUMENT,
      `channel ${JSON.stringify(channel)} does not exist in ${host.storage.channelsDir}`,
    );
  }
  return host.storage.log(channel);
}

async function listChannels(host: AdminHost): Promise<ChannelInfo[]> {
  const channels: ChannelInfo[] = [];
  for (const name of await channelNames(host)) {
    const log = await host.storage.log(name);
    channels.push({
      name,
      startOffset: log.start,
      endOffset: log.end,
      bytes: log.end - log.start,
      records: await countRecords(log, log.start),
      segments: log.segments().length,
      retention: await retentionOf(host, name),
    });
  }
  return channels;
}

async function retentionOf(host: AdminHost, channel: string): Promise<ChannelInfo['retention']> {
  const retained = await host.storage.isRetained(channel);
  return { ...retentionFor(host.retention, channel, retained), retained };
}

/** Records between `from` (a record start) and the end of `log`. */
async function countRecords(log: ChannelLog, from: number): Promise<number> {
  let count = 0;
  let offset = Math.max(from, log.start);
  const end = log.end;
  while (offset < end) {
    const read = await log.read(offset, READ_BYTES);
    if (read.next <= offset) break;
    for (let i = read.data.indexOf(10); i >= 0; i = read.data.indexOf(10, i + 1)) count += 1;
    offset = read.next;
  }
  return count;
}

async function listSubscribers(host: AdminHost, channel: string): Promise<SubscriberInfo[]> {
  const log = await existingLog(host, channel);
  const { offsets, errors } = await host.storage.offsets.list(channel);
  if (errors.length > 0) {
    const [first] = errors;
    throw new MessengerError(
      ErrorCode.OFFSET_FILE_CORRUPT,
      `${errors.length} unreadable offset file(s) of channel ${JSON.stringify(channel)}, first ${first?.file ?? '?'}`,
    );
  }
  const active = host.activeSubscribers(channel);
  const subscribers: SubscriberInfo[] = [];
  for (const { id, offset } of offsets.sort((a, b) => a.id.localeCompare(b.id))) {
    const live = active.get(id);
    subscribers.push({
      id,
      offset,
      lagBytes: Math.max(0, log.end - offset),
      lagRecords: await countRecords(log, offset),
      active: live !== undefined,
      ...(live === undefined ? {} : { live }),
    });
  }
  return subscribers;
}

/** Where `position` is in `log`, aligned to a record start. */
function offsetOf(log: ChannelLog, position: WirePosition, reader: string): Promise<number> {
  return resolveStartPosition(position, { log, id: reader, logger: silentLogger });
}

async function readPage(
  host: AdminHost,
  { channel, from, max }: Extract<AdminRequest, { verb: 'cat' }>,
  waitMs: number,
): Promise<{ records: CatRecord[]; next: number; end: number }> {
  const log = await existingLog(host, channel);
  let offset = await offsetOf(log, from, 'cat');
  if (waitMs > 0 && offset >= log.end) {
    await untilGrowth(log, offset, AbortSignal.timeout(waitMs)).catch(() => undefined);
  }
  const limit = Math.min(Math.max(1, max), MAX_CAT_PAGE);
  const records: CatRecord[] = [];
  while (records.length < limit && offset < log.end) {
    const read = await log.read(offset, READ_BYTES);
    if (read.next <= offset) break;
    for (const record of splitRecords(read.data, read.start, read.next)) {
      if (records.length === limit) break;
      records.push({ offset: record.offset, line: record.bytes.toString('utf8') });
      offset = record.next;
    }
    if (records.length < limit) offset = read.next;
  }
  return { records, next: offset, end: log.end };
}

/** Refuses to change the offset file `id` while something in the daemon reads with it. */
function assertIdle(host: AdminHost, channel: string, id: string): void {
  if (host.mode !== 'daemon') return;
  const what = cursorIds.isFederation(id)
    ? 'is a federation cursor, moved by the running federation'
    : host.activeSubscribers(channel).has(id)
      ? 'is being delivered in the running daemon'
      : undefined;
  if (what === undefined) return;
  throw new MessengerError(
    ErrorCode.ADMIN_REFUSED,
    `subscriber ${JSON.stringify(id)} of channel ${JSON.stringify(channel)} ${what}; stop it (or the daemon) first`,
  );
}

/** The stored offset of `id`, refusing a subscriber with no offset file. */
async function storedOffset(host: AdminHost, channel: string, id: string): Promise<number> {
  const offset = await host.storage.offsets.read(channel, id);
  if (offset === undefined) {
    throw new MessengerError(
      ErrorCode.SUBSCRIBER_NOT_FOUND,
      `channel ${JSON.stringify(channel)} has no subscriber ${JSON.stringify(id)} (no file ${host.storage.offsets.pathOf(channel, id)})`,
    );
  }
  return offset;
}

async function setOffset(
  host: AdminHost,
  channel: string,
  subscriber: string,
  to: WirePosition,
): Promise<{ id: string; from: number; to: number }> {
  const id = sanitizeFileComponent(subscriber);
  const log = await existingLog(host, channel);
  const before = await storedOffset(host, channel, id);
  assertIdle(host, channel, id);
  const offset = await offsetOf(log, to, id);
  await host.storage.offsets.write(channel, id, offset);
  audit(host, channel, id, `offset set from ${before} to ${offset} (asked ${JSON.stringify(to)})`);
  return { id, from: before, to: offset };
}

async function openReader(
  host: AdminHost,
  channel: string,
  subscriber: string,
  from: WirePosition,
): Promise<{ id: string; offset: number; created: boolean }> {
  const id = sanitizeFileComponent(subscriber);
  const log = await existingLog(host, channel);
  assertIdle(host, channel, id);
  const stored = await host.storage.offsets.read(channel, id);
  if (stored !== undefined) return { id, offset: Math.min(stored, log.end), created: false };
  const offset = await offsetOf(log, from, id);
  await host.storage.offsets.write(channel, id, offset);
  audit(host, channel, id, `durable reader created at ${offset}`);
  return { id, offset, created: true };
}

/** Stores a durable reader's progress (its own position, not an operator's move: not audited). */
async function commitReader(
  host: AdminHost,
  channel: string,
  subscriber: string,
  offset: number,
): Promise<{ offset: number }> {
  const id = sanitizeFileComponent(subscriber);
  const log = await existingLog(host, channel);
  assertIdle(host, channel, id);
  await storedOffset(host, channel, id);
  const aligned = await offsetOf(log, Math.min(offset, log.end), id);
  await host.storage.offsets.write(channel, id, aligned);
  return { offset: aligned };
}

async function unsubscribe(
  host: AdminHost,
  channel: string,
  subscriber: string,
): Promise<{ id: string; offset: number }> {
  const id = sanitizeFileComponent(subscriber);
  validateChannelName(channel);
  const offset = await storedOffset(host, channel, id);
  assertIdle(host, channel, id);
  await host.storage.offsets.remove(channel, id);
  audit(host, channel, id, `unsubscribed (offset file at ${offset} removed)`);
  return { id, offset };
}

async function purge(
  host: AdminHost,
  channel: string,
): Promise<{ segments: number; bytes: number; endOffset: number }> {
  const log = await existingLog(host, channel);
  const freed = (await log.clear()) ?? { segments: 0, bytes: 0 };
  audit(
    host,
    channel,
    undefined,
    `purged: ${freed.bytes} bytes in ${freed.segments} segment(s) deleted, offsets kept (end ${log.end})`,
  );
  return { ...freed, endOffset: log.end };
}

/**
 * Appends the original envelope of every record of `<channel>.dead-letter` to `channel` (as stored:
 * same id, payload and route), then purges the dead-letter channel up to what was replayed, so a
 * second replay does not repeat them.
 */
async function replayDeadLetters(
  host: AdminHost,
  channel: string,
): Promise<{ replayed: number; skipped: number }> {
  validateChannelName(channel);
  const deadLetters = await existingLog(host, deadLetterChannelOf(channel));
  const end = deadLetters.end;
  const lines: string[] = [];
  let skipped = 0;
  for (let offset = deadLetters.start; offset < end;) {
    const read = await deadLetters.read(offset, READ_BYTES);
    if (read.next <= offset) break;
    for (const record of splitRecords(read.data, read.start, read.next)) {
      const original = originalOf(record.bytes);
      if (original === undefined) skipped += 1;
      else lines.push(original);
    }
    offset = read.next;
  }
  if (lines.length > 0)
    await host.append(channel, Buffer.from(lines.map((l) => `${l}\n`).join('')), lines.length);
  const cleared = await deadLetters.clear(end);
  audit(
    host,
    channel,
    undefined,
    `dead letters replayed: ${lines.length} appended, ${skipped} not a dead-letter envelope; ${deadLetterChannelOf(channel)} ${cleared === undefined ? 'kept (it grew meanwhile)' : 'purged'}`,
  );
  return { replayed: lines.length, skipped };
}

/** The original envelope line kept in a dead-letter record, or undefined when it holds none. */
function originalOf(bytes: Buffer): string | undefined {
  try {
    const env = parseEnvelope(bytes.toString('utf8'));
    if (env.payload_type !== DEAD_LETTER_PAYLOAD_TYPE) return undefined;
    const { original } = env.payload as DeadLetterPayload;
    const header = {
      id: original.id,
      ts: original.ts,
      channel: original.channel,
      origin: original.origin,
      payloadType: original.payload_type,
      correlationId: original.correlation_id,
      serviceName: original.service_name,
      route: original.route,
    };
    const line = encodeEnvelope(header, JSON.stringify(original.payload));
    parseEnvelope(line); // an original with missing or mistyped fields is skipped, not appended
    return line;
  } catch {
    return undefined;
  }
}
