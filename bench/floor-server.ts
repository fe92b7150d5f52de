/**
 * The floors of the `streams` group: the least an HTTP server can do, serving only what the
 * benchmark's loops use.
 *
 * - Tail: a POST answers every waiting GET at once with the POST's body as a one-element JSON array.
 * - Durable append: with `syncFile`, a POST's body is also appended to that file and fdatasync'ed on
 *   the loop's thread before the POST is answered (what sync `always` costs a lone writer at least).
 *   Without it nothing is stored.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts the floor server on 127.0.0.1 (a free port); resolves with its URL and a stop function. */
export async function startFloorServer(
  opts: { syncFile?: string } = {},
): Promise<{ url: string; stop: () => Promise<void> }> {
  const fd = opts.syncFile === undefined ? undefined : fs.openSync(opts.syncFile, 'a');
  let sequence = 0;
  let closed = false;
  let waiting: http.ServerResponse[] = [];
  const offset = (): string => String(sequence).padStart(20, '0');
  const answer = (res: http.ServerResponse, body: string): void => {
    res.writeHead(closed ? 204 : 200, {
      'content-type': 'application/json',
      'stream-next-offset': offset(),
      ...(closed ? { 'stream-closed': 'true' } : {}),
    });
    res.end(body);
  };
  const server = http.createServer((req, res) => {
    if (req.method === 'GET') {
      if (closed) answer(res, '');
      else waiting.push(res);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'PUT') closed = false;
      if (req.method === 'POST') {
        if (fd !== undefined) {
          fs.writeSync(fd, Buffer.concat([...chunks, Buffer.from('\n')]));
          fs.fdatasyncSync(fd);
        }
        sequence++;
        closed = req.headers['stream-closed'] === 'true';
        const body = closed ? '' : `[${Buffer.concat(chunks).toString()}]`;
        const readers = waiting;
        waiting = [];
        for (const reader of readers) answer(reader, body);
      }
      res.writeHead(req.method === 'PUT' ? 201 : 204, { 'stream-next-offset': offset() });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          if (fd !== undefined) fs.closeSync(fd);
          resolve();
        });
      }),
  };
}
