/**
 * The console page: polls the daemon's console API every 2 s and draws the page named by the URL
 * hash (`#/overview`, `#/channels`, `#/channel/<name>`, `#/federation`). Every value is put in the
 * page as text (never as HTML).
 */
import {
  addSample,
  bytesText,
  channelRates,
  channelRows,
  chartPath,
  durationText,
  filterByCorrelation,
  messageOf,
  pageOf,
  ratesOf,
  sortRows,
  totalsOf,
} from './shape.js';

const POLL_MS = 2000;
const PAGE_SIZE = 50;
/** Bytes before the end the newest-first browser reads from. */
const NEWEST_WINDOW_BYTES = 256 * 1024;
const BROWSER_MAX = 200;

const state = {
  token: sessionStorage.getItem('keyop-token') ?? '',
  admin: false,
  /** @type {any} */ overview: undefined,
  /** @type {any[]} */ samples: [],
  /** @type {Record<string, number>} */ rates: {},
  /** @type {any[]} */ channelInfos: [],
  channelInfosAt: 0,
  sort: { key: 'name', ascending: true },
  page: 0,
  /** @type {Record<string, number[]>} lag history by `channel/subscriber` */ lags: {},
  browser: { channel: '', from: 'newest', draft: 'newest', query: '', /** @type {any[]} */ messages: [] },
  /** @type {any[] | undefined} */ subscribers: undefined,
};

const main = /** @type {HTMLElement} */ (document.getElementById('main'));

/**
 * An element with attributes (`on*` functions become listeners) and children (strings become text).
 *
 * @param {string} tag
 * @param {Record<string, any>} [attrs]
 * @param {...(Node | string | number | undefined | false)} children
 */
function el(tag, attrs = {}, ...children) {
  const node = tag.startsWith('svg:')
    ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4))
    : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === undefined || child === false) continue;
    node.append(typeof child === 'object' ? child : String(child));
  }
  return node;
}

/** @param {string} text @param {boolean} [error] */
function status(text, error = false) {
  const node = /** @type {HTMLElement} */ (document.getElementById('status'));
  node.textContent = text;
  node.className = error ? 'error' : '';
}

class Unauthorized extends Error {}

/** @param {string} path @param {unknown} [body] */
async function api(path, body) {
  const headers = /** @type {Record<string, string>} */ ({});
  if (state.token !== '') headers.authorization = `Bearer ${state.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`api/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status === 401) throw new Unauthorized(await res.text());
  if (res.status === 403) throw new Error(await res.text());
  return res.json();
}

/** Runs one admin API request; throws its error message. @param {Record<string, unknown>} request */
async function admin(request) {
  const answer = await api('admin', request);
  if (!answer.ok) throw new Error(answer.message);
  return answer.result;
}

/** Asks to confirm `text`; resolves true when confirmed. @param {string} text @param {string} action */
function confirmAction(text, action) {
  const dialog = /** @type {HTMLDialogElement} */ (document.getElementById('confirm'));
  /** @type {HTMLElement} */ (document.getElementById('confirm-text')).textContent = text;
  /** @type {HTMLElement} */ (document.getElementById('confirm-ok')).textContent = action;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
  });
}

/** Confirms then runs an admin action, reporting its outcome. */
async function act(
  /** @type {string} */ text,
  /** @type {string} */ action,
  /** @type {Record<string, unknown>} */ request,
) {
  if (!(await confirmAction(text, action))) return;
  try {
    const result = await admin(request);
    status(`${action}: done ${JSON.stringify(result)}`);
  } catch (err) {
    status(`${action} failed: ${err instanceof Error ? err.message : String(err)}`, true);
  }
  await refresh();
}

function route() {
  const hash = decodeURIComponent(location.hash.replace(/^#\/?/, ''));
  const [page, ...rest] = hash.split('/');
  return { page: page === '' ? 'overview' : page, arg: rest.join('/') };
}

async function poll() {
  const overview = await api('overview');
  const previous = state.overview;
  state.overview = overview;
  state.samples = addSample(state.samples, totalsOf(overview));
  if (previous !== undefined) {
    state.rates = channelRates(
      previous.stats.channels,
      overview.stats.channels,
      (overview.now - previous.now) / 1000,
    );
  }
  for (const [name, channel] of Object.entries(overview.stats.channels)) {
    for (const [id, subscriber] of Object.entries(/** @type {any} */ (channel).subscribers)) {
      const key = `${name}/${id}`;
      state.lags[key] = [...(state.lags[key] ?? []), /** @type {any} */ (subscriber).lagBytes].slice(-150);
    }
  }
  const { page, arg } = route();
  if (page === 'channels' && overview.now - state.channelInfosAt > 10_000) {
    state.channelInfos = await admin({ verb: 'channels' });
    state.channelInfosAt = overview.now;
  }
  if (page === 'channel' && arg !== '')
    state.subscribers = await admin({ verb: 'subscribers', channel: arg });
}

async function refresh() {
  try {
    await poll();
    /** @type {HTMLElement} */ (document.getElementById('login')).hidden = true;
    render();
  } catch (err) {
    if (err instanceof Unauthorized) {
      /** @type {HTMLElement} */ (document.getElementById('login')).hidden = false;
      status(err.message, true);
    } else {
      status(`update failed: ${err instanceof Error ? err.message : String(err)}`, true);
    }
  }
}

function render() {
  const { page, arg } = route();
  for (const link of document.querySelectorAll('nav a')) {
    const current = link.getAttribute('href') === `#/${page === 'channel' ? 'channels' : page}`;
    if (current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  /** @type {HTMLElement} */ (document.getElementById('instance')).textContent = state.overview?.name ?? '';
  const focused = document.activeElement?.id;
  const view =
    page === 'channels'
      ? channelsView()
      : page === 'channel'
        ? channelView(arg)
        : page === 'federation'
          ? federationView()
          : overviewView();
  main.replaceChildren(...view);
  if (focused) document.getElementById(focused)?.focus();
}

/** @param {string} title @param {...(Node|string)} body */
function card(title, ...body) {
  return el('section', { class: 'card' }, el('h2', {}, title), ...body);
}

function overviewView() {
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
        el('p', {}, `up ${durationText(o.uptimeMs)}`),
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

function channelsView() {
  const rows = sortRows(
    channelRows(state.overview.stats.channels, state.channelInfos, state.rates),
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
        'aria-sort': sorted ? (state.sort.ascending ? 'ascending' : 'descending') : 'none',
      },
      el(
        'button',
        {
          id: `sort-${key}`,
          onclick: () => {
            state.sort = { key: String(key), ascending: sorted ? !state.sort.ascending : !numeric };
            render();
          },
        },
        `${label}${sorted ? (state.sort.ascending ? ' ▲' : ' ▼') : ''}`,
      ),
    );
  });
  const body = shown.rows.map((row) =>
    el(
      'tr',
      {},
      ...COLUMNS.map(([, , numeric, cell]) =>
        el('td', { class: numeric ? 'num' : undefined }, /** @type {any} */ (cell)(row)),
      ),
    ),
  );
  const turn = (/** @type {number} */ delta) => () => {
    state.page += delta;
    render();
  };
  return [
    el('h2', {}, 'Channels'),
    el(
      'table',
      {},
      el('caption', {}, `${rows.length} channels`),
      el('thead', {}, el('tr', {}, ...header)),
      el('tbody', {}, ...body),
    ),
    el(
      'div',
      { class: 'toolbar' },
      el('button', { id: 'page-prev', onclick: turn(-1), disabled: shown.page === 0 }, 'Previous'),
      `page ${shown.page + 1} of ${shown.pages}`,
      el('button', { id: 'page-next', onclick: turn(1), disabled: shown.page + 1 >= shown.pages }, 'Next'),
    ),
  ];
}

/** @param {string} name */
function channelView(name) {
  const channel = state.overview.stats.channels[name];
  if (channel === undefined) return [el('h2', {}, name), el('p', {}, 'No such channel.')];
  const deadLetters = state.overview.stats.channels[`${name}.dead-letter`];
  const subscribers = state.subscribers ?? [];
  const rows = subscribers.map((s) =>
    el(
      'tr',
      { 'data-subscriber': s.id },
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
          ].map((h) => el('th', {}, h)),
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
  });
  const queryInput = el('input', { id: 'browse-query', value: b.query, placeholder: 'correlation id' });
  fromInput.addEventListener('input', () => {
    b.draft = /** @type {HTMLInputElement} */ (fromInput).value;
  });
  queryInput.addEventListener('input', () => {
    b.query = /** @type {HTMLInputElement} */ (queryInput).value;
    render();
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
          {},
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
  render();
}

function federationView() {
  const federation = state.overview.stats.federation;
  if (federation === undefined)
    return [el('h2', {}, 'Federation'), el('p', {}, 'Federation is not enabled.')];
  /** @type {Map<string, any>} traffic by `hub:<addr>` or `peer:<name>` */
  const traffic = new Map(state.overview.links.map((/** @type {any} */ l) => [l.link, l]));
  const trafficCells = (/** @type {string} */ link) => {
    const t = traffic.get(link);
    return [
      el('td', { class: 'num' }, t === undefined ? '' : `${t.framesInFlight} / ${t.recordsInFlight}`),
      el('td', { class: 'num' }, t?.acks ?? ''),
    ];
  };
  const hubs = federation.clients.map((/** @type {any} */ c) =>
    el(
      'tr',
      {},
      el('td', {}, 'hub'),
      el('td', {}, c.hub ?? c.addr),
      el('td', {}, c.addr),
      el('td', { class: `state-${c.state}` }, c.state),
      el('td', { class: 'num' }, c.connects),
      ...trafficCells(`hub:${c.addr}`),
      el('td', {}, c.refusal ?? ''),
    ),
  );
  const peers = (federation.hub?.peers ?? []).map((/** @type {string} */ p) =>
    el(
      'tr',
      {},
      el('td', {}, 'peer'),
      el('td', {}, p),
      el('td', {}, ''),
      el('td', { class: 'state-connected' }, 'connected'),
      el('td', {}, ''),
      ...trafficCells(`peer:${p}`),
      el('td', {}, ''),
    ),
  );
  return [
    el('h2', {}, 'Federation'),
    el(
      'p',
      {},
      federation.hub === undefined
        ? 'The hub is not enabled.'
        : `Hub listening on ${federation.hub.address}.`,
    ),
    el(
      'table',
      { id: 'links' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ...[
            'Role',
            'Instance',
            'Address',
            'State',
            'Connects',
            'In flight (frames / records)',
            'Acks',
            'Refusal',
          ].map((h) => el('th', {}, h)),
        ),
      ),
      el('tbody', {}, ...hubs, ...peers),
    ),
    el(
      'p',
      {},
      `Audit: ${federation.audit.written} written, ${federation.audit.dropped} dropped, ${federation.audit.writeFailures} failed writes.`,
    ),
  ];
}

async function start() {
  /** @type {HTMLElement} */ (document.getElementById('login')).addEventListener('submit', (event) => {
    event.preventDefault();
    state.token = /** @type {HTMLInputElement} */ (document.getElementById('token')).value.trim();
    sessionStorage.setItem('keyop-token', state.token);
    void begin();
  });
  addEventListener('hashchange', () => {
    state.subscribers = undefined;
    state.page = 0;
    void refresh();
    main.focus();
  });
  await begin();
  setInterval(() => void refresh(), POLL_MS);
}

async function begin() {
  try {
    state.admin = (await api('session')).admin;
  } catch (err) {
    if (err instanceof Unauthorized) {
      /** @type {HTMLElement} */ (document.getElementById('login')).hidden = false;
      status(err.message, true);
      return;
    }
  }
  await refresh();
}

void start();
