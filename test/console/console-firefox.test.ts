/**
 * The web console end to end in Debian's headless Firefox ESR (puppeteer-core over WebDriver BiDi);
 * the scenario, shared with Chromium, is in scenario.ts. Screenshots go to
 * test-artifacts/console/firefox-*.png.
 */
import { firefoxPage } from './browsers.js';
import { describeConsoleE2e } from './scenario.js';

describeConsoleE2e('web console in Firefox', firefoxPage);
