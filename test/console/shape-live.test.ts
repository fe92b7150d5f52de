/**
 * The console's data shaping for live updates, federation and hosted pages: the page's side
 * (ui/shape.js: event stream parsing, acks/s, the federation graph, texts) and the daemon's
 * (internal/console: the views of Durable Streams, streamkit stores, request streams, policies).
 */
import { describe, expect, it } from 'vitest';
import {
  allowlistRows,
  eventText,
  parseViews,
  rpcRow,
  storeRows,
  streamRow,
  type StoreSource,
} from '../../internal/console/index.js';
import {
  federationGraph,
  filterByName,
  lifetimeText,
  linkAckRates,
  parseEventStream,
  relativeText,
} from '../../ui/shape.js';

describe('page shaping', () => {
  it('parses server-sent events across chunk boundaries and keeps the unfinished rest', () => {
    const whole = eventText('overview', { n: 1 }) + eventText('streams', []);
    const cut = whole.length - 5;
    const first = parseEventStream(`retry: 2000\n\n${whole.slice(0, cut)}`);
    expect(first.events).toEqual([{ event: 'overview', data: { n: 1 } }]);
    const second = parseEventStream(first.rest + whole.slice(cut));
    expect(second).toEqual({ events: [{ event: 'streams', data: [] }], rest: '' });
    expect(parseEventStream('data: 1\r\n\r\n').events).toEqual([{ event: 'message', data: 1 }]);
  });

  it('computes acks per second per link, from 0 again after a reconnect', () => {
    const before = [
      { link: 'peer:a', acks: 10 },
      { link: 'hub:h:1', acks: 50 },
    ];
    const after = [
      { link: 'peer:a', acks: 30 },
      { link: 'hub:h:1', acks: 4 },
      { link: 'peer:new', acks: 7 },
    ];
    expect(linkAckRates(before, after, 2)).toEqual({ 'peer:a': 10, 'hub:h:1': 2 });
    expect(linkAckRates(undefined, after, 2)).toEqual({});
    expect(linkAckRates(before, after, 0)).toEqual({});
  });

  it('draws a relay with its hubs above and its peers below, allowlisted absent peers included', () => {
    const graph = federationGraph(
      'relay-1',
      {
        hub: { peers: ['edge-b'] },
        clients: [
          { addr: 'h1:7000', hub: 'core', state: 'connected' },
          { addr: 'h2:7000', state: 'refused', refusal: 'not in allowlist' },
        ],
      },
      [{ link: 'hub:h1:7000', framesInFlight: 2, recordsInFlight: 40 }],
      { 'hub:h1:7000': 12.5 },
      ['edge-a', 'edge-b'],
      600,
      300,
    );
    expect(graph.nodes.map((n) => [n.id, n.role, n.state])).toEqual([
      ['self', 'relay', 'self'],
      ['hub:h1:7000', 'hub', 'connected'],
      ['hub:h2:7000', 'hub', 'refused'],
      ['peer:edge-a', 'client', 'absent'],
      ['peer:edge-b', 'client', 'connected'],
    ]);
    const [self, h1, h2, a, b] = graph.nodes;
    expect(self).toMatchObject({ x: 300, y: 150, label: 'relay-1' });
    expect([h1?.y, h2?.y, a?.y, b?.y]).toEqual([45, 45, 255, 255]);
    expect([h1?.x, h2?.x]).toEqual([200, 400]);
    expect(h1?.label).toBe('core');
    expect(h2).toMatchObject({ label: 'h2:7000', error: 'not in allowlist' });
    expect(graph.edges[0]).toEqual({
      from: 'self',
      to: 'hub:h1:7000',
      state: 'connected',
      framesInFlight: 2,
      recordsInFlight: 40,
      acksPerSecond: 12.5,
      error: '',
    });
    expect(graph.edges[1]).toMatchObject({ state: 'refused', error: 'not in allowlist', acksPerSecond: 0 });
  });

  it('draws a client alone at the bottom of its hubs, and ignores an allowlist without a hub', () => {
    const graph = federationGraph(
      'c',
      { clients: [{ addr: 'h:1', state: 'connecting' }] },
      [],
      {},
      ['x'],
      600,
      300,
    );
    expect(graph.nodes.map((n) => [n.id, n.role, n.y])).toEqual([
      ['self', 'client', 210],
      ['hub:h:1', 'hub', 45],
    ]);
    const hub = federationGraph('h', { hub: { peers: [] }, clients: [] }, [], {}, [], 600, 300);
    expect(hub.nodes).toMatchObject([{ role: 'hub', y: 90 }]);
  });

  it('filters rows by name in any case, and words times and lifetimes', () => {
    const rows = [{ name: 'Orders.EU' }, { name: 'billing' }];
    expect(filterByName(rows, ' orders ')).toEqual([{ name: 'Orders.EU' }]);
    expect(filterByName(rows, '')).toBe(rows);
    expect(relativeText(70_000, 10_000)).toBe('in 1m 0s');
    expect(relativeText(10_000, 70_000)).toBe('1m 0s ago');
    expect(lifetimeText({ ttlSeconds: 90 })).toBe('idle 1m 30s');
    expect(lifetimeText({ expiresAt: '2027-01-01T00:00:00Z' })).toBe('until 2027-01-01T00:00:00Z');
    expect(lifetimeText({})).toBe('none');
  });
});

describe('daemon views', () => {
  it('words each empty policy list as what it does, for peers and hubs', () => {
    expect(
      allowlistRows({
        allowedPeers: [{ name: 'p', subscribe: [], publish: ['a', 'b.>'] }],
        hubs: [{ addr: 'h:1', subscribe: ['x'], publish: [] }],
      }),
    ).toEqual({
      hubEnabled: true,
      open: false,
      rows: [
        { kind: 'peer', name: 'p', subscribe: 'whatever it requests', publish: 'a, b.>' },
        { kind: 'hub', name: 'h:1', subscribe: 'x', publish: 'nothing' },
      ],
    });
    expect(allowlistRows({ allowedPeers: [], hubs: [] })).toMatchObject({ hubEnabled: true, open: true });
    expect(allowlistRows({ allowedPeers: undefined, hubs: [] })).toMatchObject({
      hubEnabled: false,
      open: false,
    });
  });

  it('names the views asked for, and the first unknown one', () => {
    expect(parseViews(null, ['overview'])).toEqual({ views: ['overview'] });
    expect(parseViews('overview,streams,overview,', ['overview', 'streams'])).toEqual({
      views: ['overview', 'streams'],
    });
    expect(parseViews('overview,secrets', ['overview'])).toEqual({ unknown: 'secrets' });
    expect(eventText('overview', { a: '\n' })).toBe('event: overview\ndata: {"a":"\\n"}\n\n');
  });

  it('shapes a stream with its producers sorted by id', () => {
    const row = streamRow(
      {
        meta: {
          v: 1,
          path: 'a/b',
          channel: 'a.b',
          contentType: 'text/plain',
          createdAt: 5,
          spans: [],
          ttlSeconds: 60,
          fork: { source: 'a/src' },
        },
        start: 100,
        tail: 160,
        closed: true,
      },
      {
        producers: new Map([
          ['z', { epoch: 1, lastSeq: 4 }],
          ['m', { epoch: 2, lastSeq: 0 }],
        ]),
      },
    );
    expect(row).toEqual({
      path: 'a/b',
      channel: 'a.b',
      contentType: 'text/plain',
      createdAt: 5,
      start: 100,
      tail: 160,
      bytes: 60,
      closed: true,
      ttlSeconds: 60,
      expiresAt: undefined,
      forkOf: 'a/src',
      producers: [
        { id: 'm', epoch: 2, lastSeq: 0 },
        { id: 'z', epoch: 1, lastSeq: 4 },
      ],
    });
  });

  it('lists a store with at most 100 segments a space, and only the leases held now', async () => {
    const segments = Array.from({ length: 150 }, (_, i) => `s${String(i).padStart(3, '0')}`);
    const store: StoreSource = {
      name: 'orders',
      authority: 'hub-a',
      getSpaces: () => ['eu'],
      getSegments: () => segments,
      getSegmentStatus: (_space, segment) =>
        segment === 's001' ? undefined : { firstSequence: 1, lastSequence: 3, lastTimestamp: 9 },
      health: () => ({ lastPosition: 400, tornEntries: 1, refusedEntries: 2 }),
      leases: () =>
        Promise.resolve([
          { key: 'live', holder: 'n1', fence: 3, expiresAt: 2000 },
          { key: 'lapsed', holder: 'n2', fence: 1, expiresAt: 999 },
          { key: 'released', holder: undefined, fence: 2, expiresAt: 0 },
        ]),
      workers: () =>
        Promise.resolve({
          version: 4,
          workers: [
            { workerId: 'w', origin: 'o', lastSeenAt: 7, heartbeatIntervalSeconds: 30, metadata: {} },
          ],
        }),
    };
    const [row] = await storeRows([store], 1000);
    expect(row?.spaces[0]).toMatchObject({
      name: 'eu',
      lastPosition: 400,
      segmentCount: 150,
      tornEntries: 1,
    });
    // 100 listed, less the one without an entry.
    expect(row?.spaces[0]?.segments).toHaveLength(99);
    expect(row?.leases).toEqual([{ key: 'live', holder: 'n1', fence: 3, expiresAt: 2000 }]);
    expect(row?.workersVersion).toBe(4);
  });

  it('shapes the request/reply counters and served streams', () => {
    const stream = { id: 'i', channel: 'c', payloadType: 't', replyTo: '_inbox.x' };
    expect(
      rpcRow({
        inbox: '_inbox.me',
        stats: () => ({ requesting: 1, serving: 1, served: 5, expired: 0, duplicates: 2 }),
        servedStreams: () => [stream],
      }),
    ).toEqual({
      inbox: '_inbox.me',
      requesting: 1,
      serving: 1,
      served: 5,
      expired: 0,
      duplicates: 2,
      streams: [stream],
    });
  });
});
