/**
 * Chromium for browser tests: the Debian package at /usr/bin/chromium driven by playwright-core
 * (no Playwright-managed browser downloads). `npm test` installs it first (test/support/prepare.ts).
 *
 *   describe.skipIf(!browserAvailable())('…', () => { let browser: Browser; beforeAll(async () => { browser = await launchBrowser(); }); … });
 */
import { accessSync, constants } from 'node:fs';
import type { Browser, LaunchOptions } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';

export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** True when /usr/bin/chromium exists and is executable. */
export function browserAvailable(): boolean {
  try {
    accessSync(chromiumPath, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Launches headless Chromium; close it in afterAll (`await browser.close()`). */
export async function launchBrowser(options: LaunchOptions = {}): Promise<Browser> {
  if (!browserAvailable()) {
    throw new Error(`${chromiumPath} not found: run \`npm test\` (which installs it as root) or \`apt-get install -y chromium\`.`);
  }
  const { chromium } = await import('playwright-core'); // lazy: keeps browserAvailable() cheap
  return chromium.launch({
    headless: true,
    timeout: 30_000,
    ...options,
    executablePath: chromiumPath,
    args: [...chromiumArgs, ...(options.args ?? [])],
  });
}
