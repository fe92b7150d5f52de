/**
 * The official Durable Streams server conformance suite against
 * our HTTP endpoint, started in-process on a temporary data dir before the suite registers its tests.
 * Expected failures: none.
 */
import { runConformanceTests } from '@durable-streams/server-conformance-tests';
import { afterAll } from 'vitest';
import { Messenger, startHttpEndpoint } from '../../src/index.js';
import { tempDir } from '../support/temp-dir.js';

const LONG_POLL_TIMEOUT_MS = 500;

const messenger = await Messenger.open({
  name: 'conformance',
  storage: { dataDir: tempDir(), syncPolicy: 'always' },
});
const endpoint = await startHttpEndpoint(messenger, {
  listenAddr: '127.0.0.1:0',
  longPollTimeoutMs: LONG_POLL_TIMEOUT_MS,
});

afterAll(async () => {
  await endpoint.close();
  await messenger.close();
});

runConformanceTests({ baseUrl: endpoint.url, subscriptions: true, longPollTimeoutMs: LONG_POLL_TIMEOUT_MS });
