/**
 * Splicing route entries into received lines: the one place that adds an instance's name to a
 * line's route, in place when the line allows it (nothing else re-encoded), re-encoded otherwise.
 */
import { encodeHeaderFields } from './encoder.js';
import type { Envelope } from './envelope.js';
import { ROUTE_KEY } from './format.js';
import type { LineView } from './scan.js';
import type { StoredLines } from './stored-lines.js';

/** Text spliced into a line, and its bytes. */
interface Insert {
  readonly text: string;
  readonly bytes: Buffer;
}

function insertOf(text: string): Insert {
  return { text, bytes: Buffer.from(text) };
}

/** Adds `self` (after `peer` for a line the peer relays without a route) to the routes of received lines. */
export class RouteSplice {
  readonly #self: string;
  readonly #peer: string;
  /** `,"route":["<self>"]`: what a line without a route gets before its payload. */
  readonly #field: Insert;
  /** `,"route":["<peer>","<self>"]`: what a relayed line without a route gets before its payload. */
  readonly #relayedField: Insert;
  /** `,"<self>"`: what a line's route gets before its `]`. */
  readonly #entry: Insert;

  /**
   * @param self - the name added to every route
   * @param peer - the name added before it to a relayed line without a route
   */
  constructor(self: string, peer: string) {
    this.#self = self;
    this.#peer = peer;
    const selfJson = JSON.stringify(self);
    this.#field = insertOf(`${ROUTE_KEY}[${selfJson}]`);
    this.#relayedField = insertOf(`${ROUTE_KEY}[${JSON.stringify(peer)},${selfJson}]`);
    this.#entry = insertOf(`,${selfJson}`);
  }

  /**
   * Adds to `lines` the line `view` read from `text` with the route entries spliced in. `relayed`
   * (only for a line without a route) adds the peer first. `bytes` are the line's bytes when it is
   * ASCII (a character index is then a byte offset): the entries are then spliced into them.
   */
  add(lines: StoredLines, view: LineView, text: string, bytes: Buffer | undefined, relayed: boolean): void {
    const { id, routeInsertAt, envelope, end } = view;
    if (envelope !== undefined && routeInsertAt < 0) {
      lines.addText(id, reencoded(envelope, relayed ? [this.#peer, this.#self] : [this.#self]));
      return;
    }
    const insert = view.route !== undefined ? this.#entry : relayed ? this.#relayedField : this.#field;
    if (bytes !== undefined) {
      lines.addRecord(id, bytes.length === end ? bytes : bytes.subarray(0, end), routeInsertAt, insert.bytes);
      return;
    }
    lines.addText(id, `${text.slice(0, routeInsertAt)}${insert.text}${text.slice(routeInsertAt, end)}\n`);
  }
}

/** The line (with `\n`) re-encoded from the parsed envelope with `added` appended to its route. */
function reencoded(envelope: Envelope, added: readonly string[]): string {
  const route = [...(envelope.route ?? []), ...added];
  return `${encodeHeaderFields({ ...envelope, route }, JSON.stringify(envelope.payload))}\n`;
}
