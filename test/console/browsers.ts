/**
 * The two browsers the console is tested in, behind one small page interface so that one scenario
 * drives both: Debian's Chromium through playwright-core and Debian's Firefox ESR through
 * puppeteer-core (WebDriver BiDi). Each gets a fresh profile and accepts the test CA's certificate.
 */
import puppeteer from 'puppeteer-core';
import { openChromium } from './chromium.js';

/** What a console scenario does with a page. */
export interface ConsolePage {
  /** `chromium` or `firefox`: screenshots are named after it. */
  readonly browser: string;
  /**
   * Whether a key the driver sends activates a focused button. Firefox ESR's WebDriver BiDi delivers
   * `keydown`/`keyup` but no activation (nor for a plain button outside the console), so there
   * the scenario clicks.
   */
  readonly keysActivate: boolean;
  goto(url: string): Promise<void>;
  url(): string;
  /** Evaluates the JavaScript `expression` in the page and returns its (serialisable) value. */
  evaluate(expression: string): Promise<unknown>;
  click(selector: string): Promise<void>;
  focus(selector: string): Promise<void>;
  /** Types `text` into the element of `selector`, replacing what it holds. */
  fill(selector: string, text: string): Promise<void>;
  press(key: string): Promise<void>;
  screenshot(file: string): Promise<void>;
  close(): Promise<void>;
}

/** What playwright's and puppeteer's pages both have, as used here. */
interface DriverPage {
  goto(url: string): Promise<unknown>;
  url(): string;
  evaluate(expression: string): Promise<unknown>;
  click(selector: string): Promise<void>;
  focus(selector: string): Promise<void>;
  screenshot(options: { path: `${string}.png`; fullPage: boolean }): Promise<unknown>;
}

/** The methods both drivers implement alike. */
function commonMethods(
  page: DriverPage,
): Pick<ConsolePage, 'goto' | 'url' | 'evaluate' | 'click' | 'focus' | 'screenshot'> {
  return {
    goto: async (url) => {
      await page.goto(url);
    },
    url: () => page.url(),
    evaluate: (expression) => page.evaluate(expression),
    click: (selector) => page.click(selector),
    focus: (selector) => page.focus(selector),
    screenshot: async (file) => {
      await page.screenshot({ path: file as `${string}.png`, fullPage: true });
    },
  };
}

/** A page of Chromium (playwright-core). */
export async function chromiumPage(): Promise<ConsolePage> {
  const context = await openChromium();
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    browser: 'chromium',
    keysActivate: true,
    ...commonMethods(page),
    fill: (selector, text) => page.fill(selector, text),
    press: (key) => page.keyboard.press(key),

    close: () => context.close(),
  };
}

/** A page of Firefox ESR (`/usr/bin/firefox-esr`, installed by `.ci/run`) through puppeteer-core. */
export async function firefoxPage(): Promise<ConsolePage> {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: '/usr/bin/firefox-esr',
    headless: true,
    acceptInsecureCerts: true,
  });
  const page = (await browser.pages())[0] ?? (await browser.newPage());
  return {
    browser: 'firefox',
    keysActivate: false,
    ...commonMethods(page),
    fill: async (selector, text) => {
      // Select what the field holds, so that typing replaces it.
      await page.click(selector, { count: 3 });
      await page.type(selector, text);
    },
    press: (key) => page.keyboard.press(key as never),

    close: () => browser.close(),
  };
}
