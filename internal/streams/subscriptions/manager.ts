/**
 * Stream subscriptions (the reserved `__ds` API): a subscription links streams (explicitly or by a
 * glob pattern), remembers how far each was acknowledged, and wakes a consumer when a linked stream
 * has unacknowledged data, either by a signed webhook or by a wake event appended to a stream that
 * pull workers read and then claim. Each wake has a generation and a lease; acknowledgements for an
 * older generation are fenced. Configuration and acknowledged offsets are stored in one JSON file;
 * wakes, claims and leases live in memory (after a restart, pending work wakes again).
 */
import { randomBytes } from 'node:crypto';
import type { Clock, TimerHandle } from '../../clock/index.js';
import type { Logger } from '../../logger/index.js';
import { formatOffset, OFFSET_BEGINNING } from '../offsets.js';
import type { StreamService } from '../service.js';
import { replaceFileDurably } from '../../storage/index.js';
import { SubscriptionError, parseConfig, pathList, sameConfig, type SubscriptionConfig } from './config.js';
import { globMatch, normalizePath } from './glob.js';
import { CallbackTokens, WebhookSigner, type PublicJwk } from './webhook-security.js';
import fsp from 'node:fs/promises';

/** How a stream is linked to a subscription. */
export type LinkType = 'explicit' | 'glob';

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
  generation: number;
  status: 'active' | 'failed';
  wakeId: string | undefined;
  snapshot: Map<string, string>;
  token: string | undefined;
  holder: string | undefined;
  lease: TimerHandle | undefined;
  retry: TimerHandle | undefined;
  retries: number;
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
}

const ZERO = formatOffset(0);
const MAX_RETRY_DELAY_MS = 60_000;
const WEBHOOK_TIMEOUT_MS = 10_000;

interface StoredSubscription {
  id: string;
  config: SubscriptionConfig;
  createdAt: string;
  controlBase: string;
  generation: number;
  links: { path: string; types: LinkType[]; acked: string }[];
}

/** Every subscription of a data dir. */
export class SubscriptionManager {
  readonly #opts: SubscriptionManagerOptions;
  readonly #subs = new Map<string, Subscription>();
  readonly #signer: WebhookSigner;
  readonly #tokens = new CallbackTokens();
  readonly #file: string;
  #saving: Promise<void> | undefined;
  #saveAgain = false;
  #closed = false;
  /** Removes this manager's stream-event listener; set while there are subscriptions. */
  #stopListening: (() => void) | undefined;

  private constructor(opts: SubscriptionManagerOptions, signer: WebhookSigner) {
    this.#opts = opts;
    this.#signer = signer;
    this.#file = `${opts.dir}/subscriptions.json`;
  }

  /** Loads the stored subscriptions and the signing key, and hooks into the stream events. */
  static async open(opts: SubscriptionManagerOptions): Promise<SubscriptionManager> {
    await fsp.mkdir(opts.dir, { recursive: true });
    const manager = new SubscriptionManager(
      opts,
      await WebhookSigner.load(`${opts.dir}/webhook-signing-key.pem`),
    );
    await manager.#load();
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
    const sub: Subscription = {
      id,
      config,
      createdAt: new Date(this.#opts.clock.now()).toISOString(),
      controlBase,
      links: new Map(),
      generation: 0,
      ...freshRuntime(),
    };
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
      status: sub.status,
      description: config.description,
    };
  }

  /** Deletes a subscription (no error when it does not exist). */
  delete(id: string): void {
    const sub = this.#subs.get(id);
    if (sub === undefined) return;
    this.#endWake(sub);
    sub.retry?.clear();
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
    if (sub.holder !== undefined) {
      throw new SubscriptionError('ALREADY_CLAIMED', 'the wake is claimed by another worker', {
        current_holder: sub.holder,
        generation: sub.generation,
      });
    }
    const pending = this.#firstPending(sub);
    if (pending === undefined)
      throw new SubscriptionError('NO_PENDING_WORK', 'subscription has no pending work');
    if (sub.wakeId === undefined) this.#startWake(sub, pending);
    sub.holder = worker;
    sub.token = this.#tokens.issue(this.#subject(sub), sub.generation, this.#opts.clock.now());
    this.#extendLease(sub);
    return {
      wake_id: sub.wakeId ?? '',
      generation: sub.generation,
      token: sub.token,
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
    this.#checkFence(sub, token, body);
    this.#endWake(sub);
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
      sub.lease?.clear();
      sub.retry?.clear();
    }
    while (this.#saving !== undefined) await this.#saving;
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

  #subject(sub: Subscription): string {
    return `subscription:${sub.id}`;
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
    if (this.#closed || sub.wakeId !== undefined || sub.holder !== undefined || triggeredBy === undefined)
      return;
    if (this.#firstPending(sub) === undefined) return;
    this.#startWake(sub, triggeredBy);
  }

  #startWake(sub: Subscription, triggeredBy: string): void {
    sub.generation++;
    sub.wakeId = `w_${randomBytes(12).toString('hex')}`;
    sub.snapshot = new Map(this.#infos(sub).map((info) => [info.path, info.tail_offset]));
    this.#save();
    if (sub.config.type === 'webhook') {
      sub.token = this.#tokens.issue(this.#subject(sub), sub.generation, this.#opts.clock.now());
      this.#extendLease(sub);
      void this.#deliver(sub);
    } else {
      void this.#writeWakeEvent(sub, triggeredBy);
    }
  }

  #endWake(sub: Subscription): void {
    sub.lease?.clear();
    sub.lease = undefined;
    sub.token = undefined;
    sub.holder = undefined;
    sub.wakeId = undefined;
    sub.snapshot.clear();
  }

  #extendLease(sub: Subscription): void {
    sub.lease?.clear();
    sub.lease = this.#opts.clock.setTimeout(() => {
      sub.lease = undefined;
      this.#endWake(sub);
      this.#maybeWake(sub, this.#firstPending(sub));
    }, sub.config.leaseTtlMs);
  }

  #checkFence(sub: Subscription, token: string, body: unknown): void {
    const claims = this.#tokens.verify(token, this.#subject(sub), this.#opts.clock.now());
    if (typeof claims === 'string') {
      throw new SubscriptionError(claims, claims === 'TOKEN_EXPIRED' ? 'token expired' : 'token invalid');
    }
    const request = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (
      claims.generation !== sub.generation ||
      request['generation'] !== sub.generation ||
      sub.wakeId === undefined ||
      request['wake_id'] !== sub.wakeId
    ) {
      throw new SubscriptionError('FENCED', 'wake generation is stale');
    }
  }

  #acknowledge(sub: Subscription, token: string, body: unknown): AckResult {
    this.#checkFence(sub, token, body);
    const request = body as Record<string, unknown>;
    this.#applyAcks(sub, request['acks']);
    this.#extendLease(sub);
    let nextWake = false;
    if (request['done'] === true) {
      this.#endWake(sub);
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

  async #deliver(sub: Subscription): Promise<void> {
    const url = sub.config.webhookUrl;
    const { wakeId, token } = sub;
    if (url === undefined || wakeId === undefined || token === undefined || this.#closed) return;
    const body = JSON.stringify({
      subscription_id: sub.id,
      wake_id: wakeId,
      generation: sub.generation,
      streams: this.#infos(sub),
      callback_url: `${sub.controlBase}/subscriptions/${encodeURIComponent(sub.id)}/callback`,
      callback_token: token,
    });
    try {
      const response = await (this.#opts.fetch ?? fetch)(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-signature': this.#signer.signatureHeader(body, this.#opts.clock.now()),
        },
        body,
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      const reply = (await response.json().catch(() => undefined)) as { done?: unknown } | undefined;
      if (!response.ok) throw new Error(`webhook answered ${response.status}`);
      sub.status = 'active';
      sub.retries = 0;
      if (reply?.done === true && sub.wakeId === wakeId) {
        for (const [path, tail] of sub.snapshot) {
          const link = sub.links.get(path);
          if (link !== undefined && tail > link.acked) link.acked = tail;
        }
        this.#save();
        this.#endWake(sub);
        this.#maybeWake(sub, this.#firstPending(sub));
      }
    } catch (err) {
      if (this.#closed || this.#subs.get(sub.id) !== sub || sub.wakeId !== wakeId) return;
      this.#opts.logger.warn({ err, subscription: sub.id }, 'webhook delivery failed; retrying');
      sub.status = 'failed';
      sub.retries++;
      const base = Math.min(1000 * 2 ** (sub.retries - 1), MAX_RETRY_DELAY_MS);
      sub.retry?.clear();
      sub.retry = this.#opts.clock.setTimeout(
        () => {
          sub.retry = undefined;
          void this.#deliver(sub);
        },
        Math.round(base * (0.8 + Math.random() * 0.4)),
      );
    }
  }

  async #writeWakeEvent(sub: Subscription, path: string): Promise<void> {
    const wakeStream = sub.config.wakeStream;
    if (wakeStream === undefined) return;
    const event = {
      type: 'wake',
      subscription_id: sub.id,
      stream: path,
      generation: sub.generation,
      ts: this.#opts.clock.now(),
    };
    try {
      const stream = await this.#opts.service.get(wakeStream, false);
      await stream.append({
        contentType: stream.meta.contentType,
        body: Buffer.from(JSON.stringify(event)),
        close: false,
        seq: undefined,
        producer: undefined,
      });
    } catch (err) {
      this.#opts.logger.warn(
        { err, subscription: sub.id, wake_stream: wakeStream },
        'could not write a wake event',
      );
    }
  }

  async #load(): Promise<void> {
    let stored: StoredSubscription[];
    try {
      stored = JSON.parse(await fsp.readFile(this.#file, 'utf8')) as StoredSubscription[];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      this.#opts.logger.error(
        { err, file: this.#file },
        'subscriptions file unreadable; starting without subscriptions',
      );
      return;
    }
    for (const s of stored) {
      this.#subs.set(s.id, {
        id: s.id,
        config: s.config,
        createdAt: s.createdAt,
        controlBase: s.controlBase,
        links: new Map(
          s.links.map((l) => [l.path, { path: l.path, types: new Set(l.types), acked: l.acked }]),
        ),
        generation: s.generation,
        ...freshRuntime(),
      });
    }
  }

  /** Writes the subscriptions file soon (coalescing bursts of changes into one write). */
  #save(): void {
    if (this.#saving !== undefined) {
      this.#saveAgain = true;
      return;
    }
    this.#saving = (async () => {
      do {
        this.#saveAgain = false;
        const stored: StoredSubscription[] = [...this.#subs.values()].map((s) => ({
          id: s.id,
          config: s.config,
          createdAt: s.createdAt,
          controlBase: s.controlBase,
          generation: s.generation,
          links: [...s.links.values()].map((l) => ({ path: l.path, types: [...l.types], acked: l.acked })),
        }));
        try {
          await replaceFileDurably(this.#file, JSON.stringify(stored));
        } catch (err) {
          this.#opts.logger.error({ err, file: this.#file }, 'could not write the subscriptions file');
        }
      } while (this.#saveAgain);
      this.#saving = undefined;
    })();
  }
}

function invalidOffset(message: string): SubscriptionError {
  return new SubscriptionError('INVALID_OFFSET', message);
}

/** The in-memory state of a subscription that is new or reloaded from disk: active, nothing pending. */
function freshRuntime(): Pick<
  Subscription,
  'status' | 'wakeId' | 'snapshot' | 'token' | 'holder' | 'lease' | 'retry' | 'retries'
> {
  return {
    status: 'active',
    wakeId: undefined,
    snapshot: new Map(),
    token: undefined,
    holder: undefined,
    lease: undefined,
    retry: undefined,
    retries: 0,
  };
}
