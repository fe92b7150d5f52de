/**
 * Data shaping for the console: pure functions from the API's answers to what the page draws
 * (rates, table rows, sorting, paging, chart paths, payloads). No DOM here, so tests run it in Node.
 */

/** How many samples the live charts keep (at one poll every 2 s: 5 minutes). */
export const SAMPLES_KEPT = 150;

/**
 * The totals of one overview answer that rates are computed from: bytes and messages appended,
 * messages delivered, across every channel.
 *
 * @param {{ now: number, stats: { channels: Record<string, any> } }} overview
 */
export function totalsOf(overview) {
  let bytes = 0;
  let messages = 0;
  let delivered = 0;
  for (const channel of Object.values(overview.stats.channels)) {
    bytes += channel.endOffset;
    messages += channel.messages;
    for (const subscriber of Object.values(channel.subscribers)) delivered += subscriber.delivered;
  }
  return { at: overview.now, bytes, messages, delivered };
}

/**
 * Appends `totals` to `samples` (oldest first), keeping the last {@link SAMPLES_KEPT}.
 *
 * @param {Array<ReturnType<typeof totalsOf>>} samples
 * @param {ReturnType<typeof totalsOf>} totals
 */
export function addSample(samples, totals) {
  const kept = [...samples, totals];
  return kept.slice(Math.max(0, kept.length - SAMPLES_KEPT));
}

/**
 * Per-second rates between consecutive samples: `{ at, published, delivered }` in messages/s. A
 * counter that went down (a restart) counts as 0, never negative.
 *
 * @param {Array<ReturnType<typeof totalsOf>>} samples
 */
export function ratesOf(samples) {
  const rates = [];
  for (let i = 1; i < samples.length; i += 1) {
    const before = samples[i - 1];
    const after = samples[i];
    const seconds = (after.at - before.at) / 1000;
    if (seconds <= 0) continue;
    rates.push({
      at: after.at,
      published: Math.max(0, after.messages - before.messages) / seconds,
      delivered: Math.max(0, after.delivered - before.delivered) / seconds,
    });
  }
  return rates;
}

/**
 * The rows of the channels table: the live statistics of each channel, with records and retention
 * from the admin `channels` verb when known, its subscribers, largest lag and publish rate.
 *
 * @param {Record<string, any>} stats `stats.channels` of the overview
 * @param {Array<any>} infos the answer of the `channels` verb (may be empty)
 * @param {Record<string, number>} rates messages/s by channel
 */
export function channelRows(stats, infos, rates) {
  const byName = new Map(infos.map((info) => [info.name, info]));
  return Object.entries(stats).map(([name, channel]) => {
    const info = byName.get(name);
    const subscribers = Object.values(channel.subscribers);
    return {
      name,
      bytes: channel.bytes,
      records: info?.records,
      rate: rates[name] ?? 0,
      retention: info === undefined ? undefined : retentionText(info.retention),
      subscribers: subscribers.length,
      maxLag: subscribers.reduce((max, s) => Math.max(max, s.lagBytes), 0),
    };
  });
}

/** @param {{ maxAgeMs: number, maxFiles: number, retained: boolean }} retention */
export function retentionText(retention) {
  if (retention.retained) return 'retained';
  const parts = [];
  if (retention.maxAgeMs > 0) parts.push(durationText(retention.maxAgeMs));
  if (retention.maxFiles > 0) parts.push(`${retention.maxFiles} files`);
  return parts.length === 0 ? 'unlimited' : parts.join(', ');
}

/**
 * Messages/s per channel between two overviews.
 *
 * @param {Record<string, any> | undefined} before
 * @param {Record<string, any>} after
 * @param {number} seconds
 */
export function channelRates(before, after, seconds) {
  /** @type {Record<string, number>} */
  const rates = {};
  if (before === undefined || seconds <= 0) return rates;
  for (const [name, channel] of Object.entries(after)) {
    const previous = before[name];
    if (previous !== undefined) rates[name] = Math.max(0, channel.messages - previous.messages) / seconds;
  }
  return rates;
}

/**
 * `rows` sorted by `key` (undefined values last), ascending or not; the name breaks ties.
 *
 * @template {Record<string, any>} T
 * @param {T[]} rows
 * @param {string} key
 * @param {boolean} ascending
 */
export function sortRows(rows, key, ascending) {
  const sign = ascending ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = a[key];
    const y = b[key];
    if (x === undefined || y === undefined) {
      if (x !== y) return x === undefined ? 1 : -1;
    } else if (x !== y) {
      return (typeof x === 'string' ? x.localeCompare(y) : x - y) * sign;
    }
    return String(a.name).localeCompare(String(b.name));
  });
}

/**
 * One page of `rows`: the page number is clamped to those that exist.
 *
 * @template T
 * @param {T[]} rows
 * @param {number} page 0-based
 * @param {number} size
 */
export function pageOf(rows, page, size) {
  const pages = Math.max(1, Math.ceil(rows.length / size));
  const at = Math.min(Math.max(0, page), pages - 1);
  return { rows: rows.slice(at * size, at * size + size), page: at, pages };
}

/**
 * The SVG path (`M x y L ...`) of `values` drawn left to right in a `width` × `height` box, the
 * largest value (at least `floor`) at the top.
 *
 * @param {number[]} values
 * @param {number} width
 * @param {number} height
 * @param {number} [floor]
 */
export function chartPath(values, width, height, floor = 1) {
  if (values.length === 0) return '';
  const top = Math.max(floor, ...values);
  const step = values.length === 1 ? 0 : width / (values.length - 1);
  return values
    .map((value, i) => {
      const x = (i * step).toFixed(1);
      const y = (height - (value / top) * height).toFixed(1);
      return `${i === 0 ? 'M' : 'L'}${x} ${y}`;
    })
    .join(' ');
}

/**
 * A stored envelope line as the message browser shows it: header fields, and the payload
 * pretty-printed (the line as stored when it is not JSON).
 *
 * @param {{ offset: number, line: string }} record
 */
export function messageOf(record) {
  try {
    const envelope = JSON.parse(record.line);
    return {
      offset: record.offset,
      id: String(envelope.id ?? ''),
      ts: String(envelope.ts ?? ''),
      type: String(envelope.payload_type ?? ''),
      correlationId: String(envelope.correlation_id ?? ''),
      origin: String(envelope.origin ?? ''),
      payload: JSON.stringify(envelope.payload, null, 2) ?? 'undefined',
    };
  } catch {
    return {
      offset: record.offset,
      id: '',
      ts: '',
      type: '',
      correlationId: '',
      origin: '',
      payload: record.line,
    };
  }
}

/**
 * The messages of a loaded window whose correlation id contains `query` (all when it is empty).
 *
 * @param {Array<ReturnType<typeof messageOf>>} messages
 * @param {string} query
 */
export function filterByCorrelation(messages, query) {
  const wanted = query.trim();
  return wanted === '' ? messages : messages.filter((m) => m.correlationId.includes(wanted));
}

/**
 * What an admin action did, in words for the status line: `{ id: 'a', to: 5 }` reads "id a, to 5",
 * nested values are shown as JSON, and a result with nothing to say reads "done".
 *
 * @param {unknown} result
 */
export function outcomeText(result) {
  if (result === null || typeof result !== 'object') return result === undefined ? 'done' : String(result);
  const parts = Object.entries(result).map(
    ([key, value]) =>
      `${key} ${value !== null && typeof value === 'object' ? JSON.stringify(value) : String(value)}`,
  );
  return parts.length === 0 ? 'done' : parts.join(', ');
}

/** @param {number} bytes */
export function bytesText(bytes) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** @param {number} ms */
export function durationText(ms) {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/**
 * Splits received server-sent event text into complete events (`{ event, data }`, data parsed as
 * JSON) and the unfinished rest to keep for the next chunk. Comments and `retry:` lines are skipped.
 *
 * @param {string} text
 */
export function parseEventStream(text) {
  const events = [];
  const blocks = text.replace(/\r\n?/g, '\n').split('\n\n');
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    let event = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length > 0) events.push({ event, data: JSON.parse(data.join('\n')) });
  }
  return { events, rest };
}

/**
 * Acks per second of each federation link between two overviews' `links` (by link key); a link
 * that reconnected (its counter went down) counts from 0.
 *
 * @param {Array<{ link: string, acks: number }> | undefined} before
 * @param {Array<{ link: string, acks: number }>} after
 * @param {number} seconds
 */
export function linkAckRates(before, after, seconds) {
  /** @type {Record<string, number>} */
  const rates = {};
  const previous = new Map((before ?? []).map((l) => [l.link, l.acks]));
  for (const link of after) {
    const was = previous.get(link.link);
    if (was === undefined || seconds <= 0) continue;
    rates[link.link] = (link.acks >= was ? link.acks - was : link.acks) / seconds;
  }
  return rates;
}

/**
 * The federation graph of this instance: itself in the middle (a `relay` when it is both a hub and
 * a client, else `hub` or `client`), the hubs it dials above, the peers of its hub below (connected
 * ones, and allowlisted ones that are not), and one edge per link with its state, frames in flight,
 * acks/s and last error. Coordinates are in a `width` × `height` box.
 *
 * @param {string} self this instance's name
 * @param {{ hub?: { peers: string[] }, clients: Array<{ addr: string, hub?: string, state: string, refusal?: string }> }} federation
 * @param {Array<{ link: string, framesInFlight: number, recordsInFlight: number }>} links
 * @param {Record<string, number>} ackRates by link key
 * @param {string[]} allowlisted peer names of the hub's allowlist
 * @param {number} width
 * @param {number} height
 */
export function federationGraph(self, federation, links, ackRates, allowlisted, width, height) {
  const traffic = new Map(links.map((l) => [l.link, l]));
  const role =
    federation.hub !== undefined && federation.clients.length > 0
      ? 'relay'
      : federation.hub !== undefined
        ? 'hub'
        : 'client';
  const spread = (/** @type {number} */ i, /** @type {number} */ n) =>
    Math.round(((i + 1) * width) / (n + 1));
  const connected = federation.hub?.peers ?? [];
  const peers = [...new Set([...connected, ...(federation.hub === undefined ? [] : allowlisted)])].sort();
  // Itself in the middle, or nearer the side that is empty.
  const selfY = federation.clients.length === 0 ? 0.3 : peers.length === 0 ? 0.7 : 0.5;
  const nodes = [
    { id: 'self', label: self, role, state: 'self', x: width / 2, y: Math.round(height * selfY), error: '' },
  ];
  const edges = [];
  const edge = (
    /** @type {string} */ key,
    /** @type {string} */ to,
    /** @type {string} */ state,
    error = '',
  ) => {
    const t = traffic.get(key);
    edges.push({
      from: 'self',
      to,
      state,
      framesInFlight: t?.framesInFlight ?? 0,
      recordsInFlight: t?.recordsInFlight ?? 0,
      acksPerSecond: ackRates[key] ?? 0,
      error,
    });
  };
  federation.clients.forEach((c, i) => {
    const id = `hub:${c.addr}`;
    nodes.push({
      id,
      label: c.hub ?? c.addr,
      role: 'hub',
      state: c.state,
      x: spread(i, federation.clients.length),
      y: Math.round(height * 0.15),
      error: c.refusal ?? '',
    });
    edge(id, id, c.state, c.refusal ?? '');
  });
  peers.forEach((peer, i) => {
    const id = `peer:${peer}`;
    const state = connected.includes(peer) ? 'connected' : 'absent';
    nodes.push({
      id,
      label: peer,
      role: 'client',
      state,
      x: spread(i, peers.length),
      y: Math.round(height * 0.85),
      error: '',
    });
    edge(id, id, state);
  });
  return { nodes, edges };
}

/**
 * The text of a Durable Stream's lifetime: its sliding TTL, absolute expiry, or `none`.
 *
 * @param {{ ttlSeconds?: number, expiresAt?: string }} stream
 */
export function lifetimeText(stream) {
  if (stream.ttlSeconds !== undefined) return `idle ${durationText(stream.ttlSeconds * 1000)}`;
  if (stream.expiresAt !== undefined) return `until ${stream.expiresAt}`;
  return 'none';
}

/**
 * How long until `at` (Unix ms) from `now`, or how long ago: `in 25s`, `3s ago`.
 *
 * @param {number} at
 * @param {number} now
 */
export function relativeText(at, now) {
  return at >= now ? `in ${durationText(at - now)}` : `${durationText(now - at)} ago`;
}

/**
 * The rows whose name contains `query` (any case; all when it is empty).
 *
 * @template {{ name: string }} T
 * @param {T[]} rows
 * @param {string} query
 */
export function filterByName(rows, query) {
  const wanted = query.trim().toLowerCase();
  return wanted === '' ? rows : rows.filter((row) => row.name.toLowerCase().includes(wanted));
}
