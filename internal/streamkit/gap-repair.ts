/**
 * The replica side of §7.1: a space holding transactions past a gap asks the authority for the
 * missing positions (`streamkit.resync.v1`), checks the lines it answers, appends the whole
 * transactions among them to its own copy of the channel and lets the follow loop apply them (and
 * the held transactions after them). Failures are retried with backoff until the gap is filled or the
 * store closes.
 */
import { Backoff, type Clock } from '../clock/index.js';
import { parseEnvelope, type Envelope } from '../envelope/index.js';
import type { Logger } from '../logger/index.js';
import { RpcCloseError } from '../rpc/index.js';
import type { CoordinationRpc } from './coordination-rpc.js';
import { readSpaceRecord } from './entry.js';
import { errorFromWire, SkCode, StreamkitError } from './errors.js';
import type { Hole } from './held-transactions.js';
import { frameLines, MAX_RESYNC_POSITIONS, RESYNC_TYPE, type ResyncBody } from './resync.js';
import type { Space } from './space.js';

/** What a repair needs of its store. */
export interface RepairContext {
  rpc: Pick<CoordinationRpc, 'openStream'>;
  /** The store's request channel. */
  requestChannel: string;
  /** The store's authority. */
  authority: string;
  clock: Clock;
  logger: Logger;
  /** Deadline of one resync request. */
  timeoutMs: number;
  /** Aborted when the store closes. */
  signal: AbortSignal;
}

const RETRY = { baseMs: 100, maxMs: 10_000, jitter: 0.2 };

/** Repairs the gaps of one space, one resync at a time. */
export class GapRepair {
  readonly #space: Space;
  readonly #ctx: RepairContext;
  readonly #backoff = new Backoff(RETRY);
  #running = false;
  /** The start of a gap the authority's answer was written for without filling it: not retried. */
  #stuckAt: number | undefined;

  /**
   * @param space - the replica's space
   * @param ctx - the rpc to the authority and the store's settings
   */
  constructor(space: Space, ctx: RepairContext) {
    this.#space = space;
    this.#ctx = ctx;
  }

  /** Starts repairing unless it already runs; it stops once no gap is left. */
  start(): void {
    if (this.#running || this.#ctx.signal.aborted) return;
    if (this.#stuckAt !== undefined && this.#space.firstHole()?.from === this.#stuckAt) return;
    this.#running = true;
    void this.#run().finally(() => {
      this.#running = false;
      // A gap found while the loop was ending.
      if (this.#space.firstHole() !== undefined) this.start();
    });
  }

  async #run(): Promise<void> {
    const { signal, logger } = this.#ctx;
    for (let hole = this.#space.firstHole(); hole !== undefined; hole = this.#space.firstHole()) {
      if (signal.aborted || hole.from === this.#stuckAt) return;
      try {
        await this.#resync(hole);
        this.#backoff.reset();
      } catch (err) {
        if (signal.aborted) return;
        const delay = this.#backoff.next();
        logger.warn(
          { err, channel: this.#space.channel, missingFrom: hole.from, missingTo: hole.to, retryInMs: delay },
          'repairing a gap failed; retrying',
        );
        await this.#ctx.clock.sleep(delay, signal).catch(() => undefined);
      }
    }
  }

  /** One resync of (the start of) `hole`; throws when nothing of it could be written. */
  async #resync(hole: Hole): Promise<void> {
    const space = this.#space;
    const body: ResyncBody = {
      space: space.name,
      after: hole.from - 1,
      until: Math.min(hole.to, hole.from - 1 + MAX_RESYNC_POSITIONS),
    };
    const lines = await this.#fetch(body);
    const whole = wholeTransactions(lines, space.channel, space.name, this.#ctx.authority, body);
    if (whole.length === 0) {
      throw new StreamkitError(
        SkCode.INTERNAL,
        `the authority answered ${lines.length} line(s) and no whole transaction of positions ${hole.from}-${body.until}`,
      );
    }
    await space.appendAndRead(Buffer.from(whole.map((l) => `${l}\n`).join('')), whole.length);
    space.repaired += whole.length;
    if (space.firstHole()?.from === hole.from) {
      // The checks refused what the authority sent (logged and audited as such): this copy diverged
      // from the authority, and asking again would only write the same lines again.
      this.#stuckAt = hole.from;
      this.#ctx.logger.error(
        { channel: space.channel, from: hole.from, to: hole.to },
        'the authority’s entries did not fill the gap; repair stopped for it',
      );
      return;
    }
    if (space.index.lastPosition >= hole.to) {
      this.#ctx.logger.info(
        { channel: space.channel, from: hole.from, to: hole.to, repaired: space.repaired },
        'gap repaired with the authority’s entries',
      );
    }
  }

  async #fetch(body: ResyncBody): Promise<string[]> {
    const { rpc, requestChannel, timeoutMs, signal } = this.#ctx;
    const lines: string[] = [];
    try {
      const stream = rpc.openStream<unknown>(requestChannel, RESYNC_TYPE, body, { signal, timeoutMs });
      for await (const frame of stream) {
        const batch = frameLines(frame);
        if (batch === undefined) throw new StreamkitError(SkCode.INTERNAL, 'a resync frame holds no lines');
        lines.push(...batch);
      }
    } catch (err) {
      if (err instanceof RpcCloseError) throw errorFromWire(err.closeCode, err.text, err);
      throw err;
    }
    return lines;
  }
}

/**
 * The lines of the whole transactions at the start of an answer, after checking that each is an entry
 * of the space written by the authority at the next position asked for; throws naming the first line
 * that is not.
 */
export function wholeTransactions(
  lines: readonly string[],
  channel: string,
  space: string,
  authority: string,
  asked: ResyncBody,
): string[] {
  let next = asked.after + 1;
  let whole = 0;
  for (const [k, line] of lines.entries()) {
    const bad = (why: string): StreamkitError =>
      new StreamkitError(SkCode.INTERNAL, `resync of ${channel}: line ${k} of the answer ${why}`);
    let env: Envelope;
    try {
      env = parseEnvelope(line);
    } catch {
      throw bad('is not an envelope');
    }
    const record = env.channel === channel ? readSpaceRecord(env, space) : undefined;
    if (record?.kind !== 'entry') throw bad(`is not an entry of ${channel}`);
    if (env.origin !== authority)
      throw bad(`was written by ${JSON.stringify(env.origin)}, not the authority`);
    const { position, trx } = record.entry;
    if (position !== next || position > asked.until) {
      throw bad(`has position ${position}, expected ${next} (asked up to ${asked.until})`);
    }
    next++;
    if (trx.index === trx.count - 1) whole = k + 1;
  }
  return lines.slice(0, whole);
}
