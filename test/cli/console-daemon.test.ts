/** The daemon as the package ships it (the bundle) finds the console's files beside it. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dir.js';
import { killLeftoverDaemons, spawnDaemon, stopCleanly } from './daemon-process.js';
import { assertCliBuilt } from './process.js';

describe('keyop-messenger run: the web console', () => {
  beforeAll(assertCliBuilt);
  afterEach(killLeftoverDaemons);

  it('serves the package’s ui/ page at /ui/', async () => {
    const dir = fs.realpathSync(tempDir('keyop-console-daemon-'));
    const config = path.join(dir, 'config.yaml');
    fs.writeFileSync(
      config,
      `http:\n  listen_addr: "127.0.0.1:0"\n  console: true\n` +
        `storage:\n  data_dir: ${JSON.stringify(path.join(dir, 'data'))}\n`,
    );
    const daemon = spawnDaemon(['run', '-c', config], dir);
    const started = await daemon.started;
    const page = await fetch(new URL('/ui/', String(started['httpUrl'])));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>keyop-messenger console</title>');
    await stopCleanly(daemon);
  });
});
