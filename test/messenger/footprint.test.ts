import { describe, expect, it } from 'vitest';
import { exited, spawnFixture, stdoutLines } from '../support/child.js';
import { tempDir } from '../support/temp-dir.js';

interface FootprintStep {
  step: string;
  heavy: string[];
}

describe('module footprint of the library', () => {
  it('loads no heavy package for the import and Messenger.open and publish, YAML for a config file, prom-client for /metrics, federation for an ephemeral connect', async () => {
    const child = spawnFixture('module-footprint.mjs', [tempDir()]);
    const lines = stdoutLines(child);
    const stderr: string[] = [];
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
    expect(await exited(child), stderr.join('')).toBe(0);
    const steps = lines.map((line) => JSON.parse(line) as FootprintStep);
    expect(steps).toEqual([
      // Importing the package (and building an EphemeralMessenger) loads no federation module.
      { step: 'import', heavy: [] },
      { step: 'open-publish', heavy: [] },
      // The recorder sees a package once a path needs it: proof that the empty list above can fail.
      { step: 'config-file', heavy: ['yaml'] },
      // The streams service comes with an HTTP endpoint; prom-client only when it serves /metrics.
      { step: 'http-without-metrics', heavy: ['yaml', 'internal/streams'] },
      { step: 'http-with-metrics', heavy: ['yaml', 'prom-client', 'internal/streams'] },
      // Federation (and `ws`, for the dial) comes with the first connect of an ephemeral client.
      {
        step: 'ephemeral-connect',
        heavy: ['ws', 'yaml', 'prom-client', 'internal/federation', 'internal/streams'],
      },
    ]);
  });
});
