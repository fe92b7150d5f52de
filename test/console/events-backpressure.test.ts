/**
 * A console reader that never reads its live updates (`/ui/api/events`): the daemon must not queue
 * a round of views every interval for it. Real HTTP on 127.0.0.1, a paused client socket, and a
 * fake clock driving the rounds.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it, vi } from 'vitest';
import { serveEvents } from '../../internal/console/index.js';
import { silentLogger } from '../../internal/logger/index.js';
import { FakeClock } from '../support/fake-clock.js';

const INTERVAL_MS = 2000;
const ROUNDS = 40;
/** One view's event: large enough that the rounds outgrow the kernel's socket buffers. */
const VIEW_BYTES = 1024 * 1024;

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

it('skips the rounds a reader does not take, and drops the connection at the end, so what waits for it stays about one round', async () => {
  const clock = new FakeClock();
  const closing = new AbortController();
  let response: http.ServerResponse | undefined;
  const server = http.createServer((req, res) => {
    response = res;
    void serveEvents(
      {
        views: { big: () => Promise.resolve('x'.repeat(VIEW_BYTES)) },
        clock,
        intervalMs: INTERVAL_MS,
        maxDurationMs: 10 * ROUNDS * INTERVAL_MS,
        closing: closing.signal,
        logger: silentLogger,
      },
      req,
      res,
      ['big'],
      {},
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const reader = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
  closers.push(() => {
    closing.abort();
    reader.destroy();
    server.closeAllConnections();
    server.close();
  });
  // Asks for the events, then never reads a byte.
  reader.pause();
  reader.write('GET /ui/api/events?views=big HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  await vi.waitFor(() => {
    expect(clock.sleeps).toHaveLength(1);
  });
  for (let round = 2; round <= ROUNDS; round++) {
    await clock.advance(INTERVAL_MS);
    await vi.waitFor(() => {
      expect(clock.sleeps).toHaveLength(round);
    });
  }
  // Every round was due; without skipping, ~40 MiB would wait in the process for this reader.
  expect(response?.writableLength).toBeLessThan(3 * VIEW_BYTES);
  // At the stream's end, what it still holds is dropped with the connection rather than kept for it.
  await clock.advance(10 * ROUNDS * INTERVAL_MS);
  await vi.waitFor(() => {
    expect(response?.destroyed).toBe(true);
  });
});
