/** Debian's headless Chromium through playwright-core, with a fresh profile and no background traffic. */
import { chromium, type BrowserContext } from 'playwright-core';
import { tempDir } from '../support/temp-dir.js';

/** Launches Chromium (`/usr/bin/chromium`, installed by `.ci/run`); close the context when done. */
export function openChromium(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(tempDir('keyop-chromium-'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    // The daemon's certificate is signed by the test CA.
    ignoreHTTPSErrors: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
