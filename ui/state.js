/**
 * What the console's pages share: the state the live updates fill, the calls to the console API
 * (bearer token from the sign-in form), admin actions behind a confirmation, and small page parts.
 */
import { el } from './dom.js';
import { outcomeText } from './shape.js';
import { Unauthorized } from './live.js';

/** What the live updates and the pages' controls fill in. */
export const state = {
  token: sessionStorage.getItem('keyop-token') ?? '',
  /** Whether the caller may administer: admin actions are offered only then. */
  admin: false,
  /** @type {any} the latest overview */ overview: undefined,
  /** @type {any[]} */ samples: [],
  /** @type {Record<string, number>} messages/s by channel */ rates: {},
  /** @type {Record<string, number>} acks/s by federation link */ ackRates: {},
  /** @type {any[]} the `channels` verb's answer */ channelInfos: [],
  channelInfosAt: 0,
  sort: { key: 'name', ascending: true },
  page: 0,
  filter: '',
  /** @type {Record<string, number[]>} lag history by `channel/subscriber` */ lags: {},
  browser: { channel: '', from: 'newest', draft: 'newest', query: '', /** @type {any[]} */ messages: [] },
  /** @type {any[] | undefined} */ subscribers: undefined,
  /** @type {Record<string, any>} the latest answer of each hosted view (federation, streams, streamkit) */
  views: {},
};

/** Set by app.js: `render` redraws the shown page from the state, `refresh` reads its views again first. */
export const hooks = { render: () => {}, refresh: async () => {} };

/** Shows `text` in the status line (read out by screen readers). @param {string} text @param {boolean} [error] */
export function status(text, error = false) {
  const node = /** @type {HTMLElement} */ (document.getElementById('status'));
  node.textContent = text;
  node.className = error ? 'error' : '';
}

/** The request headers: the bearer token, when signed in with one. */
export function authHeaders() {
  return state.token === '' ? {} : { authorization: `Bearer ${state.token}` };
}

/**
 * Calls the console API: GET `api/<path>`, or POST `body` as JSON. Throws `Unauthorized` on 401.
 *
 * @param {string} path @param {unknown} [body]
 */
export async function api(path, body) {
  /** @type {Record<string, string>} */
  const headers = authHeaders();
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
export async function admin(request) {
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

/**
 * Confirms, then runs an admin action and reports its outcome; the page is updated at once.
 *
 * @param {string} text @param {string} action @param {Record<string, unknown>} request
 */
export async function act(text, action, request) {
  if (!(await confirmAction(text, action))) return;
  try {
    const result = await admin(request);
    status(`${action}: ${outcomeText(result)}`);
  } catch (err) {
    status(`${action} failed: ${err instanceof Error ? err.message : String(err)}`, true);
  }
  await hooks.refresh();
}

/** A titled box of figures. @param {string} title @param {...(Node|string)} body */
export function card(title, ...body) {
  return el('section', { class: 'card' }, el('h2', {}, title), ...body);
}

/**
 * A table with a caption, header cells and rows (each row `[key, ...cells]`, numeric columns
 * right-aligned).
 *
 * @param {string} id @param {string} caption @param {Array<[string, boolean?]>} columns
 * @param {Array<[string, ...any[]]>} rows
 */
export function table(id, caption, columns, rows) {
  return el(
    'table',
    { id },
    el('caption', {}, caption),
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        ...columns.map(([h, numeric]) => el('th', { class: numeric ? 'num' : undefined, scope: 'col' }, h)),
      ),
    ),
    el(
      'tbody',
      {},
      ...rows.map(([key, ...cells]) =>
        el(
          'tr',
          { 'data-key': key },
          ...cells.map((cell, i) => el('td', { class: columns[i]?.[1] ? 'num' : undefined }, cell)),
        ),
      ),
    ),
  );
}

/**
 * Previous / next buttons for a paged list.
 *
 * @param {string} id @param {{ page: number, pages: number }} shown @param {(page: number) => void} turn
 */
export function pager(id, shown, turn) {
  return el(
    'div',
    { class: 'toolbar', role: 'group', 'aria-label': 'Pages' },
    el(
      'button',
      { id: `${id}-prev`, onclick: () => turn(shown.page - 1), disabled: shown.page === 0 },
      'Previous',
    ),
    el('span', { id: `${id}-position` }, `page ${shown.page + 1} of ${shown.pages}`),
    el(
      'button',
      { id: `${id}-next`, onclick: () => turn(shown.page + 1), disabled: shown.page + 1 >= shown.pages },
      'Next',
    ),
  );
}
