/**
 * Stream subscriptions (the reserved `__ds` API): a subscription links streams (explicitly or by a
 * glob pattern), remembers how far each was acknowledged, and wakes a consumer when a linked stream
 * has unacknowledged data, either by a signed webhook (webhook-delivery.ts) or by a wake event
 * appended to a stream that pull workers read and then claim (wake-stream.ts). Each wake has a
 * generation and a lease; acknowledgements for an older generation are fenced (wake-state.ts).
 * Configuration and acknowledged offsets are stored in one JSON file (store.ts); wakes, claims and
 * leases live in memory (after a restart, pending work wakes again). This file is the glue: stream
 * events, the entry points of the control routes, and their JSON views.
 */
import fsp from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../../clock/index.js';
import type { Logger } from '../../logger/index.js';
import { formatOffset, OFFSET_BEGINNING } from '../offset-tokens.js';
import type { StreamService } from '../service.js';
import { SubscriptionError, parseConfig, pathList, sameConfig, type SubscriptionConfig } from './config.js';
import { globMatch, normalizePath } from './glob.js';
import { SubscriptionStore, type LinkType, type StoredSubscription } from './store.js';
import { WakeState } from './wake-state.js';
import { WakeStreamWriter } from './wake-stream.js';
import { WebhookDelivery, type WebhookWake } from './webhook-delivery.js';
import { CallbackTokens, WebhookSigner, type PublicJwk } from './webhook-security.js';

interface Link {
  path: string;
  types: Set<LinkType>;
  acked: string;
}

interface Subscription {
  id: string;
  config: SubscriptionConfig;
  createdAt: string;
  /** `{origin}{prefix}/__ds`, as seen by the client that created it (for callback URLs). */
  controlBase: string;
  links: Map<string, Link>;
  wake: WakeState;
  /** Posts the wakes of a webhook subscription. */
  webhook: WebhookDelivery | undefined;
}

/** One linked stream as reported to clients. */
export interface StreamInfo {
  path: string;
  link_type: LinkType;
  acked_offset: string;
  tail_offset: string;
  has_pending: boolean;
}

/** The answer to an acknowledgement. */
export interface AckResult {
  ok: true;
  next_wake: boolean;
}

/** The answer to a claim. */
export interface ClaimResult {
  wake_id: string;
  generation: number;
  token: string;
  streams: StreamInfo[];
  lease_ttl_ms: number;
}

/** Settings of a {@link SubscriptionManager}. */
export interface SubscriptionManagerOptions {
  service: StreamService;
  /** Folder for the subscriptions file and the webhook signing key. */
  dir: string;
  clock: Clock;
  logger: Logger;
  /** Sends webhooks; default: the global fetch. */
  fetch?: typeof fetch;
  /** Random source in [0, 1) of the webhook retry spread; default Math.random. */
  random?: () => number;
}

const ZERO = formatOffset(0);

/** Every subscription of a data dir. */
export class SubscriptionManager {
  readonly #opts: SubscriptionManagerOptions;
  readonly #subs = new Map<string, Subscription>();
  readonly #signer: WebhookSigner;
  readonly #tokens = new CallbackTokens();
  readonly #store: SubscriptionStore;
  readonly #wakeStreams: WakeStreamWriter;
  #closed = false;
  /** Removes this manager's stream-event listener; set while there are subscriptions. */
  #stopListening: (() => void) | undefined;

  private constructor(opts: SubscriptionManagerOptions, signer: WebhookSigner) {
    this.#opts = opts;
    this.#signer = signer;
    this.#store = new SubscriptionStore(opts.dir, opts.logger);
    this.#wakeStreams = new WakeStreamWriter(opts.service, opts.clock, opts.logger);
  }

  /** Loads the stored subscriptions and the signing key, and hooks into the stream events. */
  static async open(opts: SubscriptionManagerOptions): Promise<SubscriptionManager> {
    await fsp.mkdir(opts.dir, { recursive: true });
    const manager = new SubscriptionManager(
      opts,
      await WebhookSigner.load(join(opts.dir, 'webhook-signing-key.pem')),
    );
    for (const stored of await manager.#store.load()) manager.#subs.set(stored.id, manager.#runtime(stored));
    manager.#updateListening();
    for (const sub of manager.#subs.values()) manager.#maybeWake(sub, manager.#firstPending(sub));
    return manager;
  }

  /** The JWKS publishing the webhook signing key. */
  jwks(): { keys: PublicJwk[] } {
    return { keys: [{ ...this.#signer.jwk }] };
  }

  /** Creates a subscription, or confirms an identical one (409 when it differs). */
  put(id: string, body: unknown, controlBase: string): { created: boolean; view: Record<string, unknown> } {
    const config = parseConfig(body);
    const existing = this.#subs.get(id);
    if (existing !== undefined) {
      if (!sameConfig(existing.config, config)) {
        throw new SubscriptionError(
          'SUBSCRIPTION_ALREADY_EXISTS',
          'subscription exists with a different configuration',
        );
      }
      return { created: false, view: this.view(id, controlBase) };
    }
    const sub = this.#runtime({
      id,
      config,
      createdAt: new Date(this.#opts.clock.now()).toISOString(),
      controlBase,
      generation: 0,
      links: [],
    });
    for (const path of config.streams) this.#link(sub, path, 'explicit', this.#tail(path));
    if (config.pattern !== undefined) {
      for (const path of this.#opts.service.paths()) {
        if (globMatch(config.pattern, path)) this.#link(sub, path, 'glob', this.#tail(path));
      }
    }
    this.#subs.set(id, sub);
    this.#updateListening();
    this.#save();
    return { created: true, view: this.view(id, controlBase) };
  }

  /** The public view of a subscription. */
  view(id: string, controlBase: string): Record<string, unknown> {
    const sub = this.#get(id);
    const { config } = sub;
    return {
      id: sub.id,
      subscription_id: sub.id,
      type: config.type,
      pattern: config.pattern,
      streams: this.#infos(sub).map(({ path, link_type, acked_offset }) => ({
        path,
        link_type,
        acked_offset,
      })),
      webhook:
        config.webhookUrl === undefined
          ? undefined
          : {
              url: config.webhookUrl,
              signing: { alg: 'ed25519', kid: this.#signer.jwk.kid, jwks_url: `${controlBase}/jwks.json` },
            },
      wake_stream: config.wakeStream,
      lease_ttl_ms: config.leaseTtlMs,
      created_at: sub.createdAt,
      status: sub.webhook?.status ?? 'active',
      description: config.description,
    };
  }

  /** Deletes a subscription (no error when it does not exist). */
  delete(id: string): void {
    const sub = this.#subs.get(id);
    if (sub === undefined) return;
    sub.wake.end();
    sub.webhook?.cancel();
    this.#subs.delete(id);
    this.#updateListening();
    this.#save();
  }

  /**
   * Listens to stream events exactly while there are subscriptions: without any, appends to
   * streams wake no watcher (and a POST that woke no reader is answered in its own turn).
   */
  #updateListening(): void {
    if (this.#subs.size > 0 && !this.#closed) {
      this.#stopListening ??= this.#opts.service.listen({
        appended: (path) => {
          this.onAppended(path);
        },
        deleted: (path) => {
          this.onDeleted(path);
        },
      });
    } else {
      this.#stopListening?.();
      this.#stopListening = undefined;
    }
  }

  /** Links more streams explicitly. */
  addStreams(id: string, body: unknown): void {
    const sub = this.#get(id);
    const streams = pathList(
      typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['streams'] : undefined,
      true,
    );
    for (const path of streams) this.#link(sub, path, 'explicit', this.#tail(path));
    this.#save();
  }

  /** Removes an explicit link (a glob link of the same stream stays). */
  removeStream(id: string, path: string): void {
    const sub = this.#get(id);
    const link = sub.links.get(normalizePath(path));
    if (link === undefined) return;
    link.types.delete('explicit');
    if (link.types.size === 0) sub.links.delete(link.path);
    this.#save();
  }

  /** A webhook consumer acknowledges (and may finish) a wake. */
  callback(id: string, token: string, body: unknown): AckResult {
    const sub = this.#get(id);
    return this.#acknowledge(sub, token, body);
  }

  /** A pull worker claims the pending wake of a pull-wake subscription. */
  claim(id: string, body: unknown): ClaimResult {
    const sub = this.#pullWake(id);
    const worker =
      typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['worker'] : undefined;
    if (typeof worker !== 'string' || worker === '') {
      throw new SubscriptionError('INVALID_REQUEST', 'worker must be a non-empty string');
    }
    const { wake } = sub;
    wake.assertUnclaimed();
    const pending = this.#firstPending(sub);
    if (pending === undefined)
      throw new SubscriptionError('NO_PENDING_WORK', 'subscription has no pending work');
    if (wake.wakeId === undefined) this.#startWake(sub, pending);
    const token = wake.claim(worker);
    return {
      wake_id: wake.wakeId ?? '',
      generation: wake.generation,
      token,
      streams: this.#infos(sub),
      lease_ttl_ms: sub.config.leaseTtlMs,
    };
  }

  /** A pull worker acknowledges (and may finish) its claimed wake. */
  ack(id: string, token: string, body: unknown): AckResult {
    return this.#acknowledge(this.#pullWake(id), token, body);
  }

  /** A pull worker gives its claim back. */
  release(id: string, token: string, body: unknown): void {
    const sub = this.#pullWake(id);
    sub.wake.fence(token, body);
    sub.wake.end();
    this.#maybeWake(sub, this.#firstPending(sub));
  }

  /** A linked (or pattern-matching) stream grew. Wake streams never count as work. */
  onAppended(path: string): void {
    if (this.#closed) return;
    const wakeStreams = new Set([...this.#subs.values()].map((s) => s.config.wakeStream));
    if (wakeStreams.has(path)) return;
    for (const sub of this.#subs.values()) {
      const { pattern } = sub.config;
      if (pattern !== undefined && globMatch(pattern, path)) {
        const known = sub.links.get(path);
        if (known === undefined) this.#save();
        this.#link(sub, path, 'glob', known?.acked ?? OFFSET_BEGINNING);
      }
      if (sub.links.has(path)) this.#maybeWake(sub, path);
    }
  }

  /** A stream was deleted: it leaves every subscription. */
  onDeleted(path: string): void {
    for (const sub of this.#subs.values()) if (sub.links.delete(path)) this.#save();
  }

  /** Stops timers and writes the file one last time. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#updateListening();
    for (const sub of this.#subs.values()) {
      sub.wake.stop();
      sub.webhook?.cancel();
    }
    await this.#store.settled();
  }

  #get(id: string): Subscription {
    const sub = this.#subs.get(id);
    if (sub === undefined) throw new SubscriptionError('SUBSCRIPTION_NOT_FOUND', 'subscription not found');
    return sub;
  }

  #pullWake(id: string): Subscription {
    const sub = this.#get(id);
    if (sub.config.type !== 'pull-wake')
      throw new SubscriptionError('INVALID_REQUEST', 'subscription is not pull-wake');
    return sub;
  }

  #tail(path: string): string {
    try {
      const stream = this.#opts.service.peek(path);
      return stream === undefined || stream.isGone ? ZERO : formatOffset(stream.tail);
    } catch {
      return ZERO;
    }
  }

  #link(sub: Subscription, path: string, type: LinkType, acked: string): void {
    const existing = sub.links.get(path);
    if (existing !== undefined) existing.types.add(type);
    else sub.links.set(path, { path, types: new Set([type]), acked });
  }

  #infos(sub: Subscription): StreamInfo[] {
    return [...sub.links.values()].map((link) => {
      const tail = this.#tail(link.path);
      return {
        path: link.path,
        link_type: link.types.has('explicit') ? 'explicit' : 'glob',
        acked_offset: link.acked,
        tail_offset: tail,
        has_pending: tail > link.acked,
      };
    });
  }

  #firstPending(sub: Subscription): string | undefined {
    return this.#infos(sub).find((info) => info.has_pending)?.path;
  }

  #maybeWake(sub: Subscription, triggeredBy: string | undefined): void {
    if (this.#closed || !sub.wake.idle || triggeredBy === undefined) return;
    if (this.#firstPending(sub) === undefined) return;
    this.#startWake(sub, triggeredBy);
  }

  #startWake(sub: Subscription, triggeredBy: string): void {
    const { wake } = sub;
    wake.start(new Map(this.#infos(sub).map((info) => [info.path, info.tail_offset])));
    this.#save();
    if (sub.webhook !== undefined) {
      wake.issueToken();
      void this.#deliver(sub, sub.webhook);
    } else if (sub.config.wakeStream !== undefined) {
      const event = { subscriptionId: sub.id, stream: triggeredBy, generation: wake.generation };
      void this.#wakeStreams.write(sub.config.wakeStream, event);
    }
  }

  #acknowledge(sub: Subscription, token: string, body: unknown): AckResult {
    sub.wake.fence(token, body);
    const request = body as Record<string, unknown>;
    this.#applyAcks(sub, request['acks']);
    sub.wake.extendLease();
    let nextWake = false;
    if (request['done'] === true) {
      sub.wake.end();
      const pending = this.#firstPending(sub);
      if (pending !== undefined) {
        this.#startWake(sub, pending);
        nextWake = true;
      }
    }
    return { ok: true, next_wake: nextWake };
  }

  #applyAcks(sub: Subscription, acks: unknown): void {
    if (acks === undefined) return;
    if (!Array.isArray(acks)) throw new SubscriptionError('INVALID_REQUEST', 'acks must be an array');
    const updates: [Link, string][] = [];
    for (const ack of acks as unknown[]) {
      const entry = (typeof ack === 'object' && ack !== null ? ack : {}) as Record<string, unknown>;
      const raw = entry['stream'] ?? entry['path'];
      const link = typeof raw === 'string' ? sub.links.get(normalizePath(raw)) : undefined;
      const offset = entry['offset'];
      if (link === undefined) throw invalidOffset('ack names a stream that is not part of the subscription');
      if (typeof offset !== 'string' || offset === OFFSET_BEGINNING)
        throw invalidOffset('ack offset must be an offset');
      if (offset < link.acked) throw invalidOffset('ack offset goes back before the acknowledged offset');
      if (offset > this.#tail(link.path)) throw invalidOffset('ack offset is beyond the tail of the stream');
      updates.push([link, offset]);
    }
    for (const [link, offset] of updates) link.acked = offset;
    if (updates.length > 0) this.#save();
  }

  /** Posts the wake under way; a consumer answering done acknowledges everything it covered. */
  #deliver(sub: Subscription, webhook: WebhookDelivery): Promise<void> {
    return webhook.deliver(
      () => this.#webhookWake(sub),
      (wakeId, done) => {
        const { wake } = sub;
        if (!done || wake.wakeId !== wakeId) return;
        for (const [path, tail] of wake.snapshot) {
          const link = sub.links.get(path);
          if (link !== undefined && tail > link.acked) link.acked = tail;
        }
        this.#save();
        wake.end();
        this.#maybeWake(sub, this.#firstPending(sub));
      },
    );
  }

  /** The webhook body of the wake under way; undefined once it ended or the subscription is gone. */
  #webhookWake(sub: Subscription): WebhookWake | undefined {
    const { wakeId, token, generation } = sub.wake;
    if (wakeId === undefined || token === undefined || this.#closed || this.#subs.get(sub.id) !== sub) {
      return undefined;
    }
    const body = JSON.stringify({
      subscription_id: sub.id,
      wake_id: wakeId,
      generation,
      streams: this.#infos(sub),
      callback_url: `${sub.controlBase}/subscriptions/${encodeURIComponent(sub.id)}/callback`,
      callback_token: token,
    });
    return { wakeId, body };
  }

  /** The in-memory subscription of a stored one: nothing pending, no wake under way. */
  #runtime(stored: StoredSubscription): Subscription {
    const { id, config } = stored;
    const sub: Subscription = {
      id,
      config,
      createdAt: stored.createdAt,
      controlBase: stored.controlBase,
      links: new Map(
        stored.links.map((l) => [l.path, { path: l.path, types: new Set(l.types), acked: l.acked }]),
      ),
      wake: new WakeState({
        subject: `subscription:${id}`,
        generation: stored.generation,
        leaseTtlMs: config.leaseTtlMs,
        tokens: this.#tokens,
        clock: this.#opts.clock,
        onLeaseExpired: () => {
          this.#maybeWake(sub, this.#firstPending(sub));
        },
      }),
      webhook:
        config.webhookUrl === undefined
          ? undefined
          : new WebhookDelivery({
              url: config.webhookUrl,
              subscription: id,
              signer: this.#signer,
              clock: this.#opts.clock,
              logger: this.#opts.logger,
              fetch: this.#opts.fetch ?? fetch,
              random: this.#opts.random ?? Math.random,
            }),
    };
    return sub;
  }

  /** Writes the subscriptions file soon (coalescing bursts of changes into one write). */
  #save(): void {
    this.#store.save(() =>
      [...this.#subs.values()].map((s) => ({
        id: s.id,
        config: s.config,
        createdAt: s.createdAt,
        controlBase: s.controlBase,
        generation: s.wake.generation,
        links: [...s.links.values()].map((l) => ({ path: l.path, types: [...l.types], acked: l.acked })),
      })),
    );
  }
}

function invalidOffset(message: string): SubscriptionError {
  return new SubscriptionError('INVALID_OFFSET', message);
}
