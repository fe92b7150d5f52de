/**
 * The federation page: this instance's links drawn as a graph (hubs it dials above, peers of its
 * hub below; state, frames in flight, acks/s, last error), the same links as a table, and the
 * allowlist with each peer's subscribe/publish policy.
 */
import { el } from './dom.js';
import { federationGraph } from './shape.js';
import { state, table } from './state.js';

const WIDTH = 640;
const HEIGHT = 300;
const NODE_RX = 70;
/** Where along a link its label sits (0 at this instance, 1 at the other end). */
const LABEL_AT = 0.72;

/** The federation page: the graph of links, the links table, the allowlist. */
export function federationView() {
  const federation = state.overview.stats.federation;
  if (federation === undefined)
    return [el('h2', {}, 'Federation'), el('p', {}, 'Federation is not enabled.')];
  const policies = state.views.federation;
  const allowlisted = (policies?.rows ?? [])
    .filter((/** @type {any} */ r) => r.kind === 'peer')
    .map((/** @type {any} */ r) => r.name);
  const graph = federationGraph(
    state.overview.name,
    federation,
    state.overview.links,
    state.ackRates,
    allowlisted,
    WIDTH,
    HEIGHT,
  );
  const traffic = new Map(state.overview.links.map((/** @type {any} */ l) => [l.link, l]));
  return [
    el('h2', {}, 'Federation'),
    el(
      'p',
      {},
      federation.hub === undefined
        ? 'The hub is not enabled.'
        : `Hub listening on ${federation.hub.address}.`,
    ),
    graphView(graph),
    table(
      'links',
      'Links',
      [
        ['Role'],
        ['Instance'],
        ['Address'],
        ['State'],
        ['Connects', true],
        ['In flight (frames / records)', true],
        ['Acks', true],
        ['Acks/s', true],
        ['Last error'],
      ],
      graph.edges.map((edge) => {
        const node = graph.nodes.find((n) => n.id === edge.to);
        const t = traffic.get(edge.to);
        const client = federation.clients.find((/** @type {any} */ c) => `hub:${c.addr}` === edge.to);
        return [
          edge.to,
          edge.to.startsWith('hub:') ? 'hub' : 'peer',
          node?.label ?? '',
          client?.addr ?? '',
          el('span', { class: `state-${edge.state}` }, edge.state),
          client?.connects ?? '',
          t === undefined ? '' : `${t.framesInFlight} / ${t.recordsInFlight}`,
          t?.acks ?? '',
          edge.acksPerSecond.toFixed(1),
          edge.error,
        ];
      }),
    ),
    el(
      'p',
      {},
      `Audit: ${federation.audit.written} written, ${federation.audit.dropped} dropped, ${federation.audit.writeFailures} failed writes.`,
    ),
    ...allowlistView(policies),
  ];
}

/** @param {ReturnType<typeof federationGraph>} graph */
function graphView(graph) {
  const at = new Map(graph.nodes.map((n) => [n.id, n]));
  const connected = graph.edges.filter((e) => e.state === 'connected').length;
  return el(
    'svg:svg',
    {
      id: 'federation-graph',
      class: 'graph',
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      width: WIDTH,
      height: HEIGHT,
      role: 'img',
      'aria-label': `federation graph: ${graph.nodes[0]?.label} (${graph.nodes[0]?.role}) with ${graph.edges.length} link(s), ${connected} connected`,
    },
    ...graph.edges.map((edge) => {
      const from = at.get(edge.from);
      const to = at.get(edge.to);
      if (from === undefined || to === undefined) return undefined;
      const label = `${edge.framesInFlight} in flight · ${edge.acksPerSecond.toFixed(1)} acks/s`;
      return el(
        'svg:g',
        { class: `edge state-${edge.state}`, 'data-key': edge.to, 'data-state': edge.state },
        el('svg:title', {}, `${to.label}: ${edge.state}; ${label}${edge.error ? `; ${edge.error}` : ''}`),
        el('svg:line', { x1: from.x, y1: from.y, x2: to.x, y2: to.y }),
        // Nearer the far end, so that the labels of neighbouring links do not overlap.
        el(
          'svg:text',
          {
            x: from.x + (to.x - from.x) * LABEL_AT,
            y: from.y + (to.y - from.y) * LABEL_AT - 4,
            'text-anchor': 'middle',
            class: 'edge-label',
          },
          label,
        ),
      );
    }),
    ...graph.nodes.map((node) =>
      el(
        'svg:g',
        { class: `node role-${node.role} state-${node.state}`, 'data-key': node.id },
        el(
          'svg:title',
          {},
          `${node.label} (${node.role}): ${node.state}${node.error ? `; ${node.error}` : ''}`,
        ),
        el('svg:rect', { x: node.x - NODE_RX, y: node.y - 18, width: NODE_RX * 2, height: 36, rx: 6 }),
        el('svg:text', { x: node.x, y: node.y - 2, 'text-anchor': 'middle', class: 'node-name' }, node.label),
        el(
          'svg:text',
          { x: node.x, y: node.y + 13, 'text-anchor': 'middle', class: 'node-role' },
          node.error ? node.error.slice(0, 24) : `${node.role} · ${node.state}`,
        ),
      ),
    ),
  );
}

/** @param {any} policies the `federation` view */
function allowlistView(policies) {
  if (policies === undefined) return [el('h3', {}, 'Allowlist'), el('p', {}, 'Loading…')];
  const note = !policies.hubEnabled
    ? 'The hub is not enabled: no peer may connect.'
    : policies.open
      ? 'No allowlist: any peer with a certificate of the CA may connect, with any subscription.'
      : 'Only these peers may connect to the hub.';
  return [
    el('h3', {}, 'Allowlist and policies'),
    el('p', { id: 'allowlist-note' }, note),
    table(
      'allowlist',
      'Who may subscribe to and publish which channels',
      [['Kind'], ['Peer or hub'], ['Subscribe'], ['Publish']],
      policies.rows.map((/** @type {any} */ r) => [
        `${r.kind}:${r.name}`,
        r.kind,
        r.name,
        r.subscribe,
        r.publish,
      ]),
    ),
  ];
}
