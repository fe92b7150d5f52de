/**
 * The overview, channels and channel pages: rates, the channels table (sorted, filtered and paged,
 * for thousands of channels), a channel's subscribers with their lag over time and the actions on
 * them, and its message browser.
 */
import { el } from './dom.js';
import {
  bytesText,
  chartPath,
  durationText,
  filterByCorrelation,
  filterByName,
  messageOf,
  pageOf,
  ratesOf,
  sortRows,
  channelRows,
} from './shape.js';
import { act, admin, card, hooks, pager, state, status } from './state.js';

/** Channels a page of the table shows. */
const PAGE_SIZE = 50;
/** Bytes before the end the newest-first browser reads from. */
const NEWEST_WINDOW_BYTES = 256 * 1024;
const BROWSER_MAX = 200;

/** The overview page: instance, data dir, fsync latency, message rates. */
export function overviewView() {
  const o = state.overview;
  const channels = Object.values(o.stats.channels);
  const used = channels.reduce((sum, c) => sum + /** @type {any} */ (c).bytes, 0);
  const rates = ratesOf(state.samples);
  const last = rates.at(-1) ?? { published: 0, delivered: 0 };
  return [
    el('h2', {}, 'Overview'),
    el(
      'div',
      { class: 'cards' },
      card(
        'Instance',
        el('p', { id: 'instance-name' }, o.name),
        el('p', { id: 'uptime' }, `up ${durationText(o.uptimeMs)}`),
      ),
      card(
        'Data dir',
        el('p', {}, o.dataDir),
        el(
          'p',
          {},
          `${bytesText(used)} in ${channels.length} channels; ${bytesText(o.disk.freeBytes)} free of ${bytesText(o.disk.totalBytes)}`,
        ),
      ),
      card(
        'Writer fsync',
        el('p', {}, `median ${o.fsync.p50Ms.toFixed(2)} ms, max ${o.fsync.maxMs.toFixed(2)} ms`),
        el('p', {}, `(latest ${Math.min(o.fsync.count, 512)} of ${o.fsync.count})`),
      ),
    ),
    el('h3', {}, 'Messages per second (last 5 minutes)'),
    el(
      'p',
      { class: 'legend' },
      el('span', { class: 'published' }, `published ${last.published.toFixed(1)}/s`),
      ' · ',
      el('span', { class: 'delivered' }, `delivered ${last.delivered.toFixed(1)}/s`),
    ),
    rateChart(rates),
  ];
}

/** @param {ReturnType<typeof ratesOf>} rates */
function rateChart(rates) {
  const width = 600;
  const height = 120;
  const top = Math.max(1, ...rates.map((r) => Math.max(r.published, r.delivered)));
  return el(
    'svg:svg',
    {
      class: 'chart',
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      role: 'img',
      'aria-label': `message rates, peak ${top.toFixed(1)}/s`,
    },
    el('svg:rect', { x: 0, y: 0, width, height, fill: 'none', stroke: '#c8c8c8' }),
    el('svg:path', {
      class: 'published',
      d: chartPath(
        rates.map((r) => r.published),
        width,
        height,
        top,
      ),
    }),
    el('svg:path', {
      class: 'delivered',
      d: chartPath(
        rates.map((r) => r.delivered),
        width,
        height,
        top,
      ),
    }),
  );
}

const COLUMNS = [
  [
    'name',
    'Channel',
    false,
    (/** @type {any} */ r) => el('a', { href: `#/channel/${encodeURIComponent(r.name)}` }, r.name),
  ],
  ['bytes', 'Size', true, (/** @type {any} */ r) => bytesText(r.bytes)],
  ['records', 'Records', true, (/** @type {any} */ r) => r.records ?? '…'],
  ['rate', 'Msgs/s', true, (/** @type {any} */ r) => r.rate.toFixed(1)],
  ['retention', 'Retention', false, (/** @type {any} */ r) => r.retention ?? '…'],
  ['subscribers', 'Subscribers', true, (/** @type {any} */ r) => r.subscribers],
  ['maxLag', 'Max lag', true, (/** @type {any} */ r) => bytesText(r.maxLag)],
];

/** The channels table: sorted, filtered by name, 50 rows a page. */
export function channelsView() {
  const rows = sortRows(
    filterByName(channelRows(state.overview.stats.channels, state.channelInfos, state.rates), state.filter),
    state.sort.key,
    state.sort.ascending,
  );
  const shown = pageOf(rows, state.page, PAGE_SIZE);
  state.page = shown.page;
  const header = COLUMNS.map(([key, label, numeric]) => {
    const sorted = state.sort.key === key;
    return el(
      'th',
      {
        class: numeric ? 'num' : undefined,
        scope: 'col',
        'aria-sort': sorted ? (state.sort.ascending ? 'ascending' : 'descending') : 'none',
      },
      el(
        'button',
        {
          id: `sort-${key}`,
          onclick: () => {
            state.sort = { key: String(key), ascending: sorted ? !state.sort.ascending : !numeric };
            hooks.render();
          },
        },
        `${label}${sorted ? (state.sort.ascending ? ' ▲' : ' ▼') : ''}`,
      ),
    );
  });
  const body = shown.rows.map((row) =>
    el(
      'tr',
      { 'data-key': row.name },
      ...COLUMNS.map(([, , numeric, cell]) =>
        el('td', { class: numeric ? 'num' : undefined }, /** @type {any} */ (cell)(row)),
      ),
    ),
  );
  const filter = el('input', {
    id: 'channel-filter',
    type: 'search',
    value: state.filter,
    oninput: (/** @type {Event} */ event) => {
      state.filter = /** @type {HTMLInputElement} */ (event.target).value;
      state.page = 0;
      hooks.render();
    },
  });
  return [
    el('h2', {}, 'Channels'),
    el('div', { class: 'toolbar' }, el('label', { for: 'channel-filter' }, 'Filter by name'), filter),
    el(
      'table',
      { id: 'channels' },
      el('caption', {}, `${rows.length} channels`),
      el('thead', {}, el('tr', {}, ...header)),
      el('tbody', {}, ...body),
    ),
    pager('page', shown, (page) => {
      state.page = page;
      hooks.render();
    }),
  ];
}

/** A channel's page: size, dead letters, subscribers and their lag, actions, messages. @param {string} name */
export function channelView(name) {
  const channel = state.overview.stats.channels[name];
  if (channel === undefined) return [el('h2', {}, name), el('p', {}, 'No such channel.')];
  const deadLetters = state.overview.stats.channels[`${name}.dead-letter`];
  const subscribers = state.subscribers ?? [];
  const rows = subscribers.map((s) =>
    el(
      'tr',
      { 'data-key': s.id, 'data-subscriber': s.id },
      el('td', {}, s.id),
      el('td', { class: 'num' }, s.offset),
      el('td', { class: 'num lag-records' }, s.lagRecords),
      el('td', { class: 'num' }, bytesText(s.lagBytes)),
      el('td', {}, lagSparkline(state.lags[`${name}/${s.id}`] ?? [])),
      el('td', {}, s.active ? 'delivering' : 'idle'),
      el(
        'td',
        {},
        movable(s) &&
          el(
            'button',
            {
              id: `skip-${s.id}`,
              class: 'danger',
              'aria-label': `Skip ${s.id} to the end`,
              onclick: () =>
                act(
                  `Move subscriber ${s.id} of ${name} to the end of the channel, skipping ${s.lagRecords} message(s)?`,
                  'Skip to end',
                  { verb: 'offset-set', channel: name, subscriber: s.id, to: 'end' },
                ),
            },
            'Skip to end',
          ),
        ' ',
        movable(s) &&
          el(
            'button',
            {
              id: `rewind-${s.id}`,
              'aria-label': `Rewind ${s.id} to the beginning`,
              onclick: () =>
                act(`Move subscriber ${s.id} of ${name} back to the beginning of the channel?`, 'Rewind', {
                  verb: 'offset-set',
                  channel: name,
                  subscriber: s.id,
                  to: 'beginning',
                }),
            },
            'Rewind',
          ),
      ),
    ),
  );
  return [
    el('h2', {}, `Channel ${name}`),
    el(
      'div',
      { class: 'cards' },
      card(
        'Size',
        `${bytesText(channel.bytes)} in ${channel.segments} segment(s); offsets ${channel.startOffset}–${channel.endOffset}`,
      ),
      card(
        'Dead letters',
        el('span', { id: 'dead-letters' }, deadLetters === undefined ? 'none' : bytesText(deadLetters.bytes)),
      ),
    ),
    state.admin &&
      el(
        'div',
        { class: 'toolbar' },
        deadLetters !== undefined &&
          el(
            'button',
            {
              id: 'replay-dead-letters',
              onclick: () =>
                act(
                  `Append every dead letter of ${name} to it again and clear ${name}.dead-letter?`,
                  'Replay dead letters',
                  { verb: 'dead-letter-replay', channel: name },
                ),
            },
            'Replay dead letters',
          ),
        el(
          'button',
          {
            id: 'purge',
            class: 'danger',
            onclick: () =>
              act(`Delete every message of ${name}? Subscriber offsets are kept.`, 'Purge', {
                verb: 'purge',
                channel: name,
              }),
          },
          'Purge channel',
        ),
      ),
    el('h3', {}, 'Subscribers'),
    el(
      'table',
      { id: 'subscribers' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ...[
            'Subscriber',
            'Offset',
            'Lag (messages)',
            'Lag (bytes)',
            'Lag over time',
            'State',
            'Actions',
          ].map((h) => el('th', { scope: 'col' }, h)),
        ),
      ),
      el('tbody', {}, ...rows),
    ),
    ...browserView(name),
  ];
}

/**
 * Whether the page offers to move subscriber `s`: the caller may administer, and the admin API
 * allows it (not delivering in the daemon, not a federation cursor).
 *
 * @param {{ id: string, active: boolean }} s
 */
function movable(s) {
  return state.admin && !s.active && !/^(fed|fedout)-/.test(s.id);
}

/** @param {number[]} lags */
function lagSparkline(lags) {
  return el(
    'svg:svg',
    {
      class: 'chart',
      viewBox: '0 0 120 24',
      width: 120,
      height: 24,
      role: 'img',
      'aria-label': `lag, latest ${lags.at(-1) ?? 0} bytes`,
    },
    el('svg:path', { class: 'published', d: chartPath(lags, 120, 24) }),
  );
}

/** @param {string} name */
function browserView(name) {
  const b = state.browser;
  const messages = b.channel === name ? filterByCorrelation(b.messages, b.query) : [];
  const fromInput = el('input', {
    id: 'browse-from',
    value: b.draft,
    'aria-describedby': 'browse-help',
    size: 24,
    oninput: (/** @type {Event} */ event) => {
      b.draft = /** @type {HTMLInputElement} */ (event.target).value;
    },
  });
  const queryInput = el('input', {
    id: 'browse-query',
    value: b.query,
    placeholder: 'correlation id',
    oninput: (/** @type {Event} */ event) => {
      b.query = /** @type {HTMLInputElement} */ (event.target).value;
      hooks.render();
    },
  });
  return [
    el('h3', {}, 'Messages'),
    el(
      'form',
      {
        class: 'toolbar',
        onsubmit: (/** @type {Event} */ event) => {
          event.preventDefault();
          b.from = b.draft.trim() || 'newest';
          void loadMessages(name);
        },
      },
      el('label', { for: 'browse-from' }, 'From'),
      fromInput,
      el('button', { id: 'browse-load', type: 'submit' }, 'Load'),
      el('label', { for: 'browse-query' }, 'Search'),
      queryInput,
      el('span', { id: 'browse-help' }, 'newest, beginning, an offset, or a time (2026-01-31T12:00Z)'),
    ),
    el(
      'ol',
      { id: 'messages', reversed: b.from === 'newest' },
      ...messages.map((m) =>
        el(
          'li',
          { 'data-key': m.offset },
          el(
            'p',
            {},
            `offset ${m.offset} · ${m.ts} · ${m.type} · ${m.id}${m.correlationId ? ` · correlation ${m.correlationId}` : ''}`,
          ),
          el('pre', {}, m.payload),
        ),
      ),
    ),
  ];
}

/** Reads the message window `state.browser.from` of `name` (newest first for `newest`). @param {string} name */
async function loadMessages(name) {
  const b = state.browser;
  const channel = state.overview.stats.channels[name];
  /** @type {unknown} */
  let from = b.from;
  if (b.from === 'newest') from = Math.max(channel.startOffset, channel.endOffset - NEWEST_WINDOW_BYTES);
  else if (/^\d+$/.test(b.from)) from = Number(b.from);
  else if (b.from !== 'beginning') {
    const time = Date.parse(b.from);
    if (Number.isNaN(time)) return status(`not a position: ${b.from}`, true);
    from = { time };
  }
  try {
    const page = await admin({ verb: 'cat', channel: name, from, max: 1000 });
    const messages = page.records.map(messageOf);
    b.channel = name;
    b.messages =
      b.from === 'newest' ? messages.reverse().slice(0, BROWSER_MAX) : messages.slice(0, BROWSER_MAX);
    status(`${b.messages.length} message(s) loaded`);
  } catch (err) {
    status(`loading messages failed: ${err instanceof Error ? err.message : String(err)}`, true);
  }
  hooks.render();
}
