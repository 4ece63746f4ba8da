import { AxeBuilder } from '@axe-core/playwright';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Definition } from '../../server/domain/definition.js';
import { startServedApp, Visitor, type TestApp } from '../support/app.js';
import { browserAvailable, launchBrowser } from '../support/browser.js';

/** Where to write screenshots for a person to look at (unset: none are taken). */
const shots = process.env.SCREENSHOT_DIR;

describe.skipIf(!browserAvailable() && !process.env.CI)('sharing an evidence note with the room, in a browser', () => {
  let served: TestApp & { base: string };
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let definition: Definition;
  let address = 10;

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

  /** Someone else in the room, answering phase 1's prerequisites with `value` (no browser needed). */
  async function another(code: string, value: string) {
    const visitor = new Visitor(app, `192.0.2.${address++}`);
    await visitor.get('/join');
    const typed = await visitor.post('/join', { code });
    const form = await visitor.get(typed.headers.location!);
    const nonce = /name="nonce" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
    const joined = await visitor.post(typed.headers.location!, { role: 'team_member', nonce });
    const privatePath = joined.headers.location!.replace(/\/start$/, '');
    await visitor.get(`${privatePath}/phases/${definition.phases[0]!.id}`);
    for (const p of definition.phases[0]!.prerequisites) {
      await visitor.autosave(`${privatePath}/checkpoints/${p.id}`, { [`answer:${p.id}`]: value });
    }
  }

  const sideways = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

  it('a participant ticks "Share this note with the room" (autosaved); the coach reads it on the discussion page', async () => {
    const coachContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const coach = await coachContext.newPage();
    await coach.goto(`${base}/sign-up`);
    await coach.getByLabel('Your name').fill('Coach Noor');
    await coach.getByLabel('Email address').fill('noor@example.com');
    await coach.locator('#password').fill('a long enough password');
    await coach.locator('#confirmPassword').fill('a long enough password');
    await coach.getByRole('button', { name: 'Create account' }).click();
    await coach.waitForURL(/\/coach$/);
    await coach.getByRole('link', { name: 'New workshop' }).click();
    await coach.getByLabel('Title').fill('Six in a room');
    await coach.getByRole('button', { name: 'Create workshop' }).click();
    await coach.waitForURL(/\/coach\/workshops\/[0-9a-f-]{36}$/);
    const roomUrl = coach.url();
    const code = (await coach.locator('.join-code').textContent())!.trim().replace('-', '');

    // The participant, on a phone.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await phone.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${base}/join`);
    await page.getByLabel('Workshop code').fill(code.toLowerCase());
    await page.getByRole('button', { name: 'Join' }).click();
    await page.getByLabel('Team member', { exact: true }).check();
    await page.getByRole('button', { name: 'Join and start' }).click();
    await page.getByRole('link', { name: 'Begin phase 1' }).click();
    const [first, ...rest] = definition.phases[0]!.prerequisites;
    const status = page.locator(`#cp-${first!.id} .save-status`);
    for (const p of [first!, ...rest]) {
      await page.locator(`label[for="cp-${p.id}-${p === first ? '0' : '2'}"]`).click();
      await expect.poll(() => page.locator(`#cp-${p.id} .save-status`).textContent(), { timeout: 15_000 }).toContain('Saved');
    }
    await page.locator(`#cp-${first!.id} details.evidence summary`).click();
    const noteSaved = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/checkpoints/${first!.id}`));
    await page.locator(`#ev-${first!.id}`).fill('Nobody has read the AI memo');
    expect((await noteSaved).status()).toBe(200);
    await expect.poll(() => status.textContent(), { timeout: 15_000 }).toContain('Saved');

    // Ticking the box autosaves the note with it (and never the option). Leaving the note may first
    // save it as it was (its change event), so the last save is the one that counts.
    const sent: URLSearchParams[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith(`/checkpoints/${first!.id}`)) sent.push(new URLSearchParams(r.postData() ?? ''));
    });
    const shareSaved = page.waitForResponse((r) => r.request().method() === 'POST' && (r.request().postData() ?? '').includes('share'));
    await page.getByLabel('Share this note with the room').first().check();
    expect((await shareSaved).status()).toBe(200);
    await page.waitForLoadState('networkidle');
    const last = sent.at(-1)!;
    expect(last.get(`share:${first!.id}`)).toBe('on');
    expect(last.get(`evidence:${first!.id}`)).toBe('Nobody has read the AI memo');
    expect(sent.some((body) => body.has(`answer:${first!.id}`))).toBe(false);
    await expect.poll(() => status.textContent(), { timeout: 15_000 }).toContain('Saved');
    expect(problems).toEqual([]);

    await page.reload();
    expect(await page.getByLabel('Share this note with the room').first().isChecked()).toBe(true);
    expect(await page.locator(`#share-${first!.id}-hint`).textContent()).toContain('In a small room people may still guess who wrote it.');
    const axe = await new AxeBuilder({ page }).analyze();
    expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      await page.locator(`#cp-${first!.id}`).scrollIntoViewIfNeeded();
      expect(await sideways(page), `participant page at ${width}`).toBe(0);
      if (shots) await page.screenshot({ path: `${shots}/participant-${width}.png` });
    }

    // Five others answer: six in the room, the first prerequisite split 3 / 3, so it is up for discussion.
    for (const value of ['4', '0', '4', '0', '4']) await another(code, value);
    await coach.goto(`${roomUrl}/discussion`);
    const item = coach.locator('ol.queue > li', { hasText: first!.statement });
    await expect.poll(() => item.textContent(), { timeout: 20_000 }).toContain('Nobody has read the AI memo');
    for (const width of [1280, 390]) {
      await coach.setViewportSize({ width, height: 900 });
      expect(await sideways(coach), `discussion page at ${width}`).toBe(0);
      if (shots) {
        await item.scrollIntoViewIfNeeded();
        await coach.screenshot({ path: `${shots}/discussion-${width}.png` });
      }
    }
    await coachContext.close();
    await phone.close();
  }, 180_000);
});
