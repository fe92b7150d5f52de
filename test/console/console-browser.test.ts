/**
 * The web console end to end in Debian's headless Chromium (playwright-core); the scenario, shared
 * with Firefox, is in scenario.ts. Screenshots go to test-artifacts/console/chromium-*.png.
 */
import { chromiumPage } from './browsers.js';
import { describeConsoleE2e } from './scenario.js';

describeConsoleE2e('web console in Chromium', chromiumPage);
