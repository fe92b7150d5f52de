/**
 * The console page: follows the daemon's live updates (server-sent events of the views the shown
 * page needs) and redraws the page named by the URL hash (`#/overview`, `#/channels`,
 * `#/channel/<name>`, `#/federation`, `#/streams`, `#/streamkit`) in place, changing only what
 * changed. Every value is put in the page as text (never as HTML).
 */
import { el, morph } from './dom.js';
import { follow, Unauthorized } from './live.js';
import { channelView, channelsView, overviewView } from './pages-channels.js';
import { federationView } from './pages-federation.js';
import { streamkitView, streamsView } from './pages-hosted.js';
import { addSample, channelRates, linkAckRates, totalsOf } from './shape.js';
import { admin, api, authHeaders, hooks, state, status } from './state.js';

/** The `channels` verb scans every channel: at most this often, and only on the channels page. */
const CHANNEL_INFOS_MS = 10_000;

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const login = /** @type {HTMLElement} */ (document.getElementById('login'));

function route() {
  const hash = decodeURIComponent(location.hash.replace(/^#\/?/, ''));
  const [page, ...rest] = hash.split('/');
  return { page: page === '' ? 'overview' : page, arg: rest.join('/') };
}

/** The views the live updates carry for `page`. @param {string} page */
function viewsOf(page) {
  return ['federation', 'streams', 'streamkit'].includes(page) ? ['overview', page] : ['overview'];
}

/** Takes in a new overview: rates, lag history, then what the shown page reads through the admin verbs. */
async function onOverview(/** @type {any} */ overview) {
  const previous = state.overview;
  state.overview = overview;
  state.samples = addSample(state.samples, totalsOf(overview));
  if (previous !== undefined) {
    const seconds = (overview.now - previous.now) / 1000;
    state.rates = channelRates(previous.stats.channels, overview.stats.channels, seconds);
    state.ackRates = linkAckRates(previous.links, overview.links, seconds);
  }
  for (const [name, channel] of Object.entries(overview.stats.channels)) {
    for (const [id, subscriber] of Object.entries(/** @type {any} */ (channel).subscribers)) {
      const key = `${name}/${id}`;
      state.lags[key] = [...(state.lags[key] ?? []), /** @type {any} */ (subscriber).lagBytes].slice(-150);
    }
  }
  const { page, arg } = route();
  if (page === 'channels' && overview.now - state.channelInfosAt > CHANNEL_INFOS_MS) {
    // Marked first: a slow scan is not started again by the next events while it runs.
    state.channelInfosAt = overview.now;
    state.channelInfos = await admin({ verb: 'channels' });
  }
  if (page === 'channel' && arg !== '')
    state.subscribers = await admin({ verb: 'subscribers', channel: arg });
}

/** One live event: a view's new answer. @param {string} name @param {any} data */
async function onEvent(name, data) {
  try {
    if (data?.error !== undefined) throw new Error(data.error);
    if (name === 'overview') await onOverview(data);
    else state.views[name] = data;
    login.hidden = true;
    if (/^update failed/.test(document.getElementById('status')?.textContent ?? '')) status('');
    render();
  } catch (err) {
    status(`update failed: ${err instanceof Error ? err.message : String(err)}`, true);
  }
}

/** Reads the shown page's views once (after an action), without waiting for the next event. */
async function refresh() {
  for (const name of viewsOf(route().page)) await onEvent(name, await api(name));
}

/** @param {Error} err */
function onLiveError(err) {
  if (err instanceof Unauthorized) {
    login.hidden = false;
    status(err.message, true);
  } else {
    status(`update failed: ${err.message}`, true);
  }
}

/** The live updates of the shown page; restarted when the page needs other views. */
const live = { views: '', controller: new AbortController() };

function followPage() {
  const views = viewsOf(route().page);
  if (views.join(',') === live.views) return;
  live.controller.abort();
  live.controller = new AbortController();
  live.views = views.join(',');
  void follow(
    views,
    authHeaders,
    (name, data) => void onEvent(name, data),
    onLiveError,
    live.controller.signal,
  );
}

/** Whether a page is shown in the navigation: the hosted ones only when the daemon has them. */
function updateNavigation(/** @type {string} */ page) {
  const current = page === 'channel' ? 'channels' : page;
  const hosts = state.overview?.hosts ?? { streams: 0, stores: 0 };
  for (const link of document.querySelectorAll('nav a')) {
    const target = link.getAttribute('href')?.slice(2);
    if (target === current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
    if (target === 'streams')
      /** @type {HTMLElement} */ (link).hidden = hosts.streams === 0 && current !== target;
    if (target === 'streamkit')
      /** @type {HTMLElement} */ (link).hidden = hosts.stores === 0 && current !== target;
  }
}

function render() {
  if (state.overview === undefined) return;
  const { page, arg } = route();
  updateNavigation(page);
  /** @type {HTMLElement} */ (document.getElementById('instance')).textContent = state.overview.name;
  const view =
    page === 'channels'
      ? channelsView()
      : page === 'channel'
        ? channelView(arg)
        : page === 'federation'
          ? federationView()
          : page === 'streams'
            ? streamsView()
            : page === 'streamkit'
              ? streamkitView()
              : overviewView();
  morph(
    main,
    view
      .filter((node) => node !== undefined && node !== false)
      .map((node) => (typeof node === 'object' ? node : el('span', {}, node))),
  );
}

async function begin() {
  try {
    state.admin = (await api('session')).admin;
  } catch (err) {
    if (err instanceof Unauthorized) {
      login.hidden = false;
      status(err.message, true);
      return;
    }
  }
  live.views = '';
  followPage();
}

function start() {
  hooks.refresh = refresh;
  hooks.render = render;
  login.addEventListener('submit', (event) => {
    event.preventDefault();
    state.token = /** @type {HTMLInputElement} */ (document.getElementById('token')).value.trim();
    sessionStorage.setItem('keyop-token', state.token);
    void begin();
  });
  addEventListener('hashchange', () => {
    state.subscribers = undefined;
    state.page = 0;
    // A new page starts empty, then fills at once rather than at the next event.
    morph(main, []);
    render();
    followPage();
    void refresh().catch(onLiveError);
    main.focus();
  });
  void begin();
}

start();
