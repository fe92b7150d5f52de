// The one reconnect loop, driven by a fake clock and a scripted dial: its schedule, its statuses for
// both kinds of client, and how refusals end (ephemeral) or stand (durable) an attempt.
import type WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { ErrorCode, hasErrorCode } from '../../internal/errors/index.js';
import type { HubConnection } from '../../internal/federation/dial-hub.js';
import { HubDialError } from '../../internal/federation/dial-hub.js';
import type { DialVerdict } from '../../internal/federation/hub-refusal.js';
import { hubClientState } from '../../internal/federation/hub-client.js';
import type { LinkEnd } from '../../internal/federation/link.js';
import type { MessageQueue } from '../../internal/federation/message-queue.js';
import {
  Reconnector,
  type ConnectionStatus,
  type ReconnectorOptions,
} from '../../internal/federation/reconnector.js';
import { silentLogger } from '../../internal/logger/index.js';
import { deferred, type Deferred } from '../support/deferred.js';
import { FakeClock, settle } from '../support/fake-clock.js';
import { MemoryLogger } from '../support/memory-logger.js';

const ADDR = '127.0.0.1:7740';
const TRANSIENT: DialVerdict = { kind: 'transient' };
const SUSPECT: DialVerdict = { kind: 'suspect-certificate', reason: 'closed right after the TLS handshake' };
const REFUSED: DialVerdict = { kind: 'refused', reason: 'not in allowlist (close code 4403)' };

/** A connection as the dial hands it over; only its name is read by the reconnector. */
function connection(hubName: string): HubConnection {
  return {
    ws: { terminate: () => undefined } as unknown as WebSocket,
    queue: undefined as unknown as MessageQueue,
    hubName,
    framesInFlight: 1,
    peerMaxBatchBytes: undefined,
  };
}

/** A reconnector whose dials answer from `script` (a verdict fails the dial, a name connects). */
function scripted(
  script: (DialVerdict | string)[],
  opts: Partial<ReconnectorOptions> & { ephemeral?: boolean } = {},
): { reconnector: Reconnector; statuses: ConnectionStatus[]; clock: FakeClock; links: Deferred<LinkEnd>[] } {
  const clock = new FakeClock();
  const links: Deferred<LinkEnd>[] = [];
  const reconnector = new Reconnector({
    dial: () => {
      const next = script.shift();
      if (next === undefined) return new Promise(() => undefined);
      if (typeof next === 'string') return Promise.resolve(connection(next));
      return Promise.reject(new HubDialError(ADDR, new Error('ECONNRESET'), next, opts.ephemeral ?? false));
    },
    connected: () => {
      const end = deferred<LinkEnd>();
      links.push(end);
      return {
        done: end.promise,
        close: () => {
          end.resolve({ code: 1000, reason: '', error: undefined });
        },
      };
    },
    policy: { baseMs: 100, maxMs: 400, jitter: 0.2, random: () => 0.75 },
    autoReconnect: true,
    refusals: 'retry',
    lostCode: ErrorCode.LINK_LOST,
    holdsProcess: false,
    clock,
    logger: silentLogger,
    ...opts,
  });
  const statuses: ConnectionStatus[] = [];
  reconnector.onStatus((s) => statuses.push(s));
  return { reconnector, statuses, clock, links };
}

/** Lets the clock run the waits between dials until `reconnector` is connected. */
async function runUntilConnected(clock: FakeClock, reconnector: Reconnector): Promise<void> {
  while (!reconnector.isConnected) await clock.advance(clock.sleeps.at(-1) ?? 0);
}

describe('Reconnector', () => {
  it('spaces failed dials by the one backoff schedule, spread by the injected random source', async () => {
    const { reconnector, statuses, clock } = scripted([TRANSIENT, TRANSIENT, TRANSIENT, TRANSIENT, 'hub1']);
    const connected = reconnector.connect();
    await settle();
    await runUntilConnected(clock, reconnector);
    await connected;
    // 100, 200, 400, 400 (capped), each +10 % (jitter 0.2 at random 0.75).
    expect(clock.sleeps).toEqual([110, 220, 440, 440]);
    expect(statuses.map((s) => s.state)).toEqual([
      'connecting',
      ...Array<string[]>(4).fill(['reconnecting', 'connecting']).flat(),
      'connected',
    ]);
    expect(statuses.filter((s) => s.state === 'reconnecting').map((s) => s.attempt)).toEqual([2, 3, 4, 5]);
    expect(statuses.at(-1)).toEqual({ state: 'connected', hub: 'hub1' });
    expect(reconnector.connects).toBe(1);
    await reconnector.close(new Error('done'));
  });

  it('starts over from the base delay after a drop, and reports the drop before the wait', async () => {
    const { reconnector, statuses, clock, links } = scripted([TRANSIENT, 'hub1', 'hub1']);
    const connected = reconnector.connect();
    await settle();
    await runUntilConnected(clock, reconnector);
    await connected;
    links[0]?.resolve({ code: 1006, reason: '', error: undefined });
    await settle();
    expect(statuses.slice(-2)).toMatchObject([
      { state: 'disconnected', error: { code: ErrorCode.LINK_LOST } },
      { state: 'reconnecting', attempt: 1, delayMs: 110 },
    ]);
    await clock.advance(110);
    expect(reconnector.status).toEqual({ state: 'connected', hub: 'hub1' });
    expect(reconnector.connects).toBe(2);
    await reconnector.close(new Error('done'));
    expect(reconnector.status.state).toBe('closed');
  });

  it('keeps a durable refusal standing through later dials until one gets through, logging it once', async () => {
    const log = new MemoryLogger();
    const { reconnector, statuses, clock } = scripted([REFUSED, REFUSED, REFUSED, TRANSIENT, 'hub1'], {
      logger: log,
    });
    const connected = reconnector.connect();
    await settle();
    expect(reconnector.status).toMatchObject({ state: 'reconnecting', refusal: REFUSED.reason });
    expect(hubClientState(reconnector.status)).toBe('refused');
    await runUntilConnected(clock, reconnector);
    await connected;
    // Refused while waiting and while dialling again; a transient failure ends the refusal.
    expect(statuses.map(hubClientState)).toEqual([
      'connecting',
      ...Array<string>(6).fill('refused'),
      'disconnected',
      'connecting',
      'connected',
    ]);
    expect(reconnector.status.refusal).toBeUndefined();
    const refusals = log.find('the hub refuses this instance');
    expect(refusals.filter((e) => e.level === 'error')).toHaveLength(1);
    expect(refusals[0]?.fields).toMatchObject({ code: ErrorCode.LINK_REFUSED, attempt: 1 });
    await reconnector.close(new Error('done'));
  });

  it('ends an ephemeral attempt in rejected after three suspect dials in a row, with no timer left', async () => {
    const { reconnector, statuses, clock } = scripted([SUSPECT, TRANSIENT, SUSPECT, SUSPECT, SUSPECT], {
      refusals: 'stop',
      ephemeral: true,
    });
    const connecting = reconnector.connect().catch((e: unknown) => e as Error);
    await settle();
    while (reconnector.isEstablishing) await clock.advance(clock.sleeps.at(-1)!);
    const err = await connecting;
    expect(hasErrorCode(err, ErrorCode.EPHEMERAL_REJECTED)).toBe(true);
    expect((err as Error).message).toBe(`hub ${ADDR}: ${SUSPECT.reason}`);
    expect(statuses.filter((s) => s.state === 'connecting')).toHaveLength(5);
    expect(statuses.at(-1)).toEqual({ state: 'rejected', error: err, refusal: SUSPECT.reason });
    expect(clock.pendingTimeouts).toBe(0);
  });

  it('without auto-reconnect makes one dial, and reports the client down after a drop', async () => {
    const down: Error[] = [];
    const { reconnector, statuses, links } = scripted([TRANSIENT, 'hub1'], {
      autoReconnect: false,
      refusals: 'stop',
      onDown: (error) => down.push(error),
    });
    const err = await reconnector.connect().catch((e: unknown) => e as Error);
    expect(hasErrorCode(err, ErrorCode.LINK_LOST)).toBe(true);
    expect(statuses.map((s) => s.state)).toEqual(['connecting', 'disconnected']);
    expect(down).toEqual([err]);
    await reconnector.connect();
    links[0]?.resolve({ code: 1001, reason: 'going away', error: undefined });
    await settle();
    expect(reconnector.status).toMatchObject({ state: 'disconnected' });
    expect(reconnector.status.error?.message).toContain('(1001 going away)');
    expect(down).toHaveLength(2);
    expect(reconnector.isEstablishing).toBe(false);
  });

  it('rejects a connect() aborted by its signal, and every connect() once closed', async () => {
    const { reconnector, clock } = scripted([TRANSIENT, TRANSIENT]);
    const controller = new AbortController();
    const connecting = reconnector.connect(controller.signal);
    await settle();
    controller.abort(new Error('gave up'));
    await expect(connecting).rejects.toThrow('gave up');
    expect(reconnector.status.state).toBe('disconnected');
    expect(clock.pendingTimeouts).toBe(0);
    const closed = new Error('closed here');
    await reconnector.close(closed);
    await expect(reconnector.connect()).rejects.toBe(closed);
    expect(reconnector.status.state).toBe('closed');
  });

  it('resolves whenStatus at once for the current status and later for a future one', async () => {
    const { reconnector, clock } = scripted([TRANSIENT, 'hub1']);
    await expect(reconnector.whenStatus((s) => s.state === 'idle')).resolves.toEqual({ state: 'idle' });
    const connectedLater = reconnector.whenStatus((s) => s.state === 'connected');
    void reconnector.connect();
    await settle();
    await runUntilConnected(clock, reconnector);
    await expect(connectedLater).resolves.toEqual({ state: 'connected', hub: 'hub1' });
    await reconnector.close(new Error('done'));
  });
});
