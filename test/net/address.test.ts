/**
 * One reading of `host:port`: the config check, the HTTP listener and the federation hub all go
 * through internal/net, and federation no longer reaches into the HTTP listener for it.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode, hasErrorCode } from '../../internal/errors/index.js';
import { HttpServer } from '../../internal/http/index.js';
import { addressProblem, parseListenAddr } from '../../internal/net/index.js';
import { MemoryLogger } from '../support/memory-logger.js';

describe('listen addresses', () => {
  it('splits host:port, bracketed IPv6 and an empty host meaning every interface', () => {
    expect(parseListenAddr('127.0.0.1:7740')).toEqual({ host: '127.0.0.1', port: 7740 });
    expect(parseListenAddr('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListenAddr(':8080')).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(parseListenAddr('hub-a.example:1')).toEqual({ host: 'hub-a.example', port: 1 });
  });

  it.each(['localhost', '[::1', '[not-v6]:80', 'bad host:80', '127.0.0.1:70000', '::1:80'])(
    'refuses %j with ERR_INVALID_ARGUMENT and the reason the config check gives',
    (address) => {
      let caught: unknown;
      try {
        parseListenAddr(address);
      } catch (err) {
        caught = err;
      }
      expect(hasErrorCode(caught, ErrorCode.INVALID_ARGUMENT)).toBe(true);
      expect((caught as Error).message).toBe(
        `listen address ${JSON.stringify(address)} ${addressProblem(address, 'listen')!}`,
      );
    },
  );

  it('makes the HTTP listener refuse a bad address before binding', async () => {
    const server = new HttpServer({
      listenAddr: '127.0.0.1:99999',
      logger: new MemoryLogger(),
      isReady: () => true,
    });
    await expect(server.start()).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
      message: 'listen address "127.0.0.1:99999" port must be between 0 and 65535',
    });
  });

  it('is not imported by federation from the HTTP listener', async () => {
    const dir = path.resolve('internal/federation');
    const files = (await readdir(dir, { recursive: true })).filter((name) => name.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(10);
    for (const name of files) {
      const text = await readFile(path.join(dir, name), 'utf8');
      expect(text, name).not.toMatch(/from '(\.\.\/)+http\//);
    }
  });
});
