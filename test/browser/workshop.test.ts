import { AxeBuilder } from '@axe-core/playwright';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Definition } from '../../server/domain/definition.js';
import { browserAvailable, launchBrowser } from '../support/browser.js';
import { startServedApp, type TestApp } from '../support/app.js';

describe.skipIf(!browserAvailable() && !process.env.CI)('a workshop in real browsers', () => {
  let served: TestApp & { base: string };
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let definition: Definition;

  beforeAll(async () => {
    served = await startServedApp();
    ({ app, base } = served);
    definition = app.assessments.latestOf('ai-native-maturity')!;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  async function joinAndAnswer(code: string, role: 'Leader' | 'Team member', value: string) {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(`${base}/join`);
    await page.getByLabel('Workshop code').fill(code.toLowerCase());
    await page.getByRole('button', { name: 'Join' }).click();
    await page.getByLabel(role === 'Leader' ? 'Leader (on the record)' : role, { exact: true }).check();
    if (role === 'Leader') await page.getByLabel('As a leader, I agree to answer on the record').check();
    await page.getByRole('button', { name: 'Join and start' }).click();
    await page.getByRole('link', { name: 'Begin phase 1' }).click();
    for (const prerequisite of definition.phases[0]!.prerequisites) {
      await page.locator(`label[for="cp-${prerequisite.id}-${value}"]`).click();
      await expect
        .poll(() => page.locator(`#cp-${prerequisite.id} .save-status`).textContent(), { timeout: 15_000 })
        .toContain('Saved');
    }
    // The phase's progress pill followed the autosaves, without a reload.
    const count = definition.phases[0]!.prerequisites.length;
    expect(await page.locator('.progress a[aria-current] .progress-count').textContent()).toMatch(new RegExp(`^${count}/`));
    await context.close();
  }

  it('a coach projects the live view while six people join on their phones and answer', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const coach: Page = await context.newPage();
    const problems: string[] = [];
    coach.on('pageerror', (e) => problems.push(e.message));
    coach.on('console', (m) => m.type() === 'error' && problems.push(m.text()));

    await coach.goto(`${base}/sign-up`);
    await coach.getByLabel('Your name').fill('Coach Kim');
    await coach.getByLabel('Email address').fill('kim@example.com');
    await coach.locator('#password').fill('a long enough password');
    await coach.locator('#confirmPassword').fill('a long enough password');
    await coach.getByRole('button', { name: 'Create account' }).click();
    await coach.waitForURL(/\/coach$/);
    await coach.getByRole('link', { name: 'New workshop' }).click();
    await coach.getByLabel('Title').fill('Leadership offsite');
    await coach.getByLabel('Anonymity minimum').fill('3');
    await coach.getByLabel('Leaders answer on the record').check();
    await coach.getByRole('button', { name: 'Create workshop' }).click();
    await coach.waitForURL(/\/coach\/workshops\/[0-9a-f-]{36}$/);
    const code = (await coach.locator('.join-code').textContent())!.trim();
    expect(code).toMatch(/^[A-Z2-9]{5}-[A-Z2-9]{5}$/);
    expect(await coach.locator('img.qr').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    await expect.poll(() => coach.locator('#live').textContent()).toContain('0 joined');
    // A marker that a full reload would wipe out.
    await coach.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));

    // Leaders see the prerequisites in place; the team does not.
    for (const [role, value] of [
      ['Leader', '4'],
      ['Team member', '1'],
      ['Leader', '4'],
      ['Team member', '1'],
      ['Leader', '4'],
      ['Team member', '0'],
    ] as const) {
      await joinAndAnswer(code.replace('-', ''), role, value);
    }

    // The join section catches up by itself (polling), with no reload.
    const live = coach.locator('#live');
    await expect.poll(() => live.textContent(), { timeout: 20_000 }).toContain('6 answering');
    expect(await coach.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);

    // The discussion section: the queue and the leaders / team gap.
    await coach.getByRole('link', { name: 'Discussion', exact: true }).click();
    await expect.poll(() => live.locator('table').first().textContent(), { timeout: 20_000 }).toContain('100 / 17');
    expect(await live.getByRole('heading', { name: 'Leaders and team: the perception gap' }).isVisible()).toBe(true);
    expect(await live.locator('ol.queue > li').count()).toBeGreaterThan(0);
    expect(await live.locator('ol.queue').textContent()).toContain(definition.phases[0]!.prerequisites[0]!.statement);

    await coach.getByRole('link', { name: 'Results', exact: true }).click();
    // The group chart is drawn inside the swapped fragment.
    await coach.waitForFunction(() => {
      const canvas = document.querySelector('#live canvas[data-chart]') as HTMLCanvasElement | null;
      return Boolean(canvas && (window as unknown as { Chart?: { getChart(c: HTMLCanvasElement): unknown } }).Chart?.getChart(canvas));
    });

    // Swaps replace the chart rather than pile up instances.
    await coach.waitForTimeout(9_000); // two more polls
    expect(
      await coach.evaluate(() => Object.keys((window as unknown as { Chart: { instances: object } }).Chart.instances).length),
    ).toBe(1);

    // Paused, the view stays as it is (nothing is swapped under a reader).
    await coach.getByRole('button', { name: 'Pause live updates' }).click();
    await coach.evaluate(() => document.querySelector('#live .participation')!.setAttribute('data-seen', 'yes'));
    await coach.waitForTimeout(9_000);
    expect(await coach.locator('#live .participation[data-seen="yes"]').count()).toBe(1);
    await coach.getByRole('button', { name: 'Resume live updates' }).click();
    await expect.poll(() => coach.locator('#live .participation[data-seen="yes"]').count(), { timeout: 15_000 }).toBe(0);

    const axe = await new AxeBuilder({ page: coach }).analyze();
    expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  }, 240_000);
});
