/**
 * Stream and subscription refusals belong to the one error family: each is a MessengerError with an
 * `ERR_STREAM_*` / `ERR_SUBSCRIPTION_*` code, while the HTTP status and the wire code stay as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, MessengerError, hasErrorCode } from '../../internal/errors/index.js';
import { StreamError, fail } from '../../internal/streams/index.js';
import { SubscriptionError } from '../../internal/streams/subscriptions/index.js';
import { parseConfig } from '../../internal/streams/subscriptions/config.js';
import { startInstance, type StreamsInstance } from './harness.js';

describe('stream errors', () => {
  it('are MessengerErrors with one ERR_STREAM_ code per kind of failure, keeping the kind', () => {
    const cases: [StreamError, ErrorCode][] = [
      [fail.badRequest('bad offset'), ErrorCode.STREAM_BAD_REQUEST],
      [fail.notFound(), ErrorCode.STREAM_NOT_FOUND],
      [fail.gone(), ErrorCode.STREAM_GONE],
      [fail.conflict('closed'), ErrorCode.STREAM_CONFLICT],
      [fail.tooLarge('too big'), ErrorCode.STREAM_TOO_LARGE],
    ];
    for (const [err, code] of cases) {
      expect(err).toBeInstanceOf(MessengerError);
      expect(hasErrorCode(err, code)).toBe(true);
    }
    expect(fail.gone()).toMatchObject({ failure: 'gone', name: 'StreamError', message: 'stream is gone' });
  });
});

describe('subscription errors', () => {
  it('are MessengerErrors with ERR_SUBSCRIPTION_ codes, keeping the wire code and details', () => {
    const err = new SubscriptionError('ALREADY_CLAIMED', 'claimed', { worker: 'w1' });
    expect(err).toBeInstanceOf(MessengerError);
    expect(err).toMatchObject({
      code: 'ERR_SUBSCRIPTION_ALREADY_CLAIMED',
      wireCode: 'ALREADY_CLAIMED',
      details: { worker: 'w1' },
    });
    let caught: unknown;
    try {
      parseConfig({ type: 'mail' });
    } catch (e) {
      caught = e;
    }
    expect(hasErrorCode(caught, ErrorCode.SUBSCRIPTION_INVALID_REQUEST)).toBe(true);
  });

  describe('over HTTP', () => {
    let instance: StreamsInstance;
    beforeAll(async () => {
      instance = await startInstance();
    });
    afterAll(async () => instance.close());

    it('still answer with the protocol wire code and status', async () => {
      const url = `${instance.endpoint.url}/v1/stream/__ds/subscriptions/s1`;
      const missing = await fetch(url);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({
        error: { code: 'SUBSCRIPTION_NOT_FOUND', message: 'subscription not found' },
      });
      const bad = await fetch(url, { method: 'PUT', body: '{"type":"mail"}' });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ error: { code: 'INVALID_REQUEST' } });
    });
  });
});
