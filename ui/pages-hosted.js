/**
 * The pages of what the daemon hosts beside its channels: Durable Streams (size, lifetime, closure,
 * producers), streamkit stores (spaces, segments, leases, workers) and the request/reply streams
 * it serves.
 */
import { el } from './dom.js';
import { bytesText, durationText, lifetimeText, pageOf, relativeText } from './shape.js';
import { card, hooks, pager, state, table } from './state.js';

/** Streams a page shows. */
const PAGE_SIZE = 50;

/** The Durable Streams page: every open stream with its size, lifetime, state and producers. */
export function streamsView() {
  const streams = state.views.streams;
  if (streams === undefined) return [el('h2', {}, 'Durable Streams'), el('p', {}, 'Loading…')];
  const shown = pageOf(streams, state.page, PAGE_SIZE);
  return [
    el('h2', {}, 'Durable Streams'),
    table(
      'streams',
      `${streams.length} open stream(s)`,
      [
        ['Path'],
        ['Content type'],
        ['Size', true],
        ['Tail offset', true],
        ['Lifetime'],
        ['State'],
        ['Forked from'],
        ['Producers'],
      ],
      shown.rows.map((/** @type {any} */ s) => [
        s.path,
        s.path,
        s.contentType,
        bytesText(s.bytes),
        s.tail,
        lifetimeText(s),
        s.closed ? 'closed' : 'open',
        s.forkOf ?? '',
        s.producers.length === 0
          ? 'none'
          : el(
              'ul',
              { class: 'plain' },
              ...s.producers.map((/** @type {any} */ p) =>
                el('li', { 'data-key': p.id }, `${p.id}: epoch ${p.epoch}, last seq ${p.lastSeq}`),
              ),
            ),
      ]),
    ),
    shown.pages > 1 &&
      pager('streams-page', shown, (page) => {
        state.page = page;
        hooks.render();
      }),
  ];
}

/** The streamkit page: each hosted store, and the request streams served. */
export function streamkitView() {
  const view = state.views.streamkit;
  if (view === undefined) return [el('h2', {}, 'Streamkit stores'), el('p', {}, 'Loading…')];
  const now = state.overview.now;
  return [
    el('h2', {}, 'Streamkit stores'),
    view.stores.length === 0 && el('p', {}, 'This daemon hosts no store (streamkit.stores).'),
    ...view.stores.map((/** @type {any} */ store) => storeView(store, now)),
    ...rpcView(view.rpc),
  ];
}

/** @param {any} store @param {number} now */
function storeView(store, now) {
  const id = `store-${store.name}`;
  return el(
    'section',
    { id, class: 'store', 'data-key': store.name, 'aria-labelledby': `${id}-title` },
    el('h3', { id: `${id}-title` }, `Store ${store.name}`),
    el('p', {}, `authority ${store.authority}`),
    table(
      `${id}-spaces`,
      'Spaces',
      [
        ['Space'],
        ['Last position', true],
        ['Segments', true],
        ['Torn entries', true],
        ['Refused entries', true],
      ],
      store.spaces.map((/** @type {any} */ s) => [
        s.name,
        s.name,
        s.lastPosition,
        s.segmentCount,
        s.tornEntries,
        s.refusedEntries,
      ]),
    ),
    ...store.spaces.map((/** @type {any} */ s) =>
      el(
        'details',
        { 'data-key': s.name },
        el(
          'summary',
          {},
          `Segments of ${s.name}${s.segmentCount > s.segments.length ? ` (first ${s.segments.length} of ${s.segmentCount})` : ''}`,
        ),
        table(
          `${id}-segments-${s.name}`,
          `Segments of space ${s.name}`,
          [['Segment'], ['First sequence', true], ['Last sequence', true], ['Last entry']],
          s.segments.map((/** @type {any} */ g) => [
            g.name,
            g.name,
            g.firstSequence,
            g.lastSequence,
            relativeText(g.lastTimestamp, now),
          ]),
        ),
      ),
    ),
    table(
      `${id}-leases`,
      `${store.leases.length} lease(s) held`,
      [['Key'], ['Holder'], ['Fence', true], ['Expires']],
      store.leases.map((/** @type {any} */ l) => [
        l.key,
        l.key,
        l.holder,
        l.fence,
        relativeText(l.expiresAt, now),
      ]),
    ),
    table(
      `${id}-workers`,
      `${store.workers.length} worker(s), inventory version ${store.workersVersion}`,
      [['Worker'], ['From'], ['Last seen'], ['Heartbeat'], ['Metadata']],
      store.workers.map((/** @type {any} */ w) => [
        w.workerId,
        w.workerId,
        w.origin,
        relativeText(w.lastSeenAt, now),
        durationText(w.heartbeatIntervalSeconds * 1000),
        Object.entries(w.metadata)
          .map(([k, v]) => `${k}=${v}`)
          .join(', '),
      ]),
    ),
  );
}

/** @param {any} rpc */
function rpcView(rpc) {
  if (rpc === undefined) return [];
  return [
    el('h3', {}, 'Request streams'),
    el(
      'div',
      { class: 'cards' },
      card('Inbox', rpc.inbox),
      card('Open', `${rpc.serving} served, ${rpc.requesting} requested`),
      card('Requests', `${rpc.served} served, ${rpc.expired} expired, ${rpc.duplicates} duplicates`),
    ),
    table(
      'rpc-streams',
      `${rpc.streams.length} stream(s) served now`,
      [['Stream id'], ['Request channel'], ['Request type'], ['Replies to']],
      rpc.streams.map((/** @type {any} */ s) => [s.id, s.id, s.channel, s.payloadType, s.replyTo]),
    ),
  ];
}
