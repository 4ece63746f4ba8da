import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allCheckpoints, type Definition } from '../../server/domain/definition.js';
import { browserAvailable, launchBrowser } from '../support/browser.js';
import { startServedApp, type TestApp } from '../support/app.js';

/**
 * The coach's room, end to end: a 7-person workshop (2 leaders on the record,
 * 5 anonymous team members) through join, results, discussion, agreement,
 * actions, close and report, at 1280 and 390 px: axe clean, every meter
 * carrying a number, nothing scrolling sideways, the report on at most 4 A4
 * pages. SCREENSHOTS=<folder> keeps a picture of every page looked at.
 */

const widths = [1280, 390] as const;
const shots = process.env.SCREENSHOTS;

describe.skipIf(!browserAvailable() && !process.env.CI)('the coach’s room in real browsers', () => {
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
    if (shots) mkdirSync(shots, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  /** What every page must be: no sideways scroll, numbers in every meter, no serious axe finding. */
  async function inspect(page: Page, name: string) {
    await page.waitForLoadState('load');
    const width = page.viewportSize()!.width;
    if (shots) {
      await page.screenshot({ path: path.join(shots, `${name}-${width}.png`) });
      await page.screenshot({ path: path.join(shots, `${name}-${width}-full.png`), fullPage: true });
    }
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `${name} at ${width} px scrolls sideways by ${overflow} px`).toBeLessThanOrEqual(0);
    const meters = await page.locator('meter').evaluateAll((all) => all.map((m) => m.getAttribute('value')));
    expect(meters.filter((v) => v === null || !/^\d+(\.\d+)?$/.test(v)), `${name}: meters without a number`).toEqual([]);
    const axe = await new AxeBuilder({ page }).analyze();
    expect(
      axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes[0]?.target}`),
      `${name} at ${width} px`,
    ).toEqual([]);
    return meters.length;
  }

  /** Visit a path at both widths in `context`'s session, inspecting each. */
  async function visitBoth(context: BrowserContext, url: string, name: string) {
    const page = await context.newPage();
    let meters = 0;
    for (const width of widths) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${base}${url}`);
      meters = await inspect(page, name);
    }
    await page.close();
    return meters;
  }

  async function join(code: string, role: 'leader' | 'team_member') {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(`${base}/join`);
    await page.getByLabel('Workshop code').fill(code);
    await page.getByRole('button', { name: 'Join' }).click();
    if (role === 'leader') {
      await page.getByLabel('Leader (on the record)').check();
      await page.getByLabel('As a leader, I agree to answer on the record').check();
    } else {
      await page.getByLabel('Team member', { exact: true }).check();
    }
    await page.getByRole('button', { name: 'Join and start' }).click();
    await page.waitForURL(/\/r\/[A-Za-z0-9_-]{43}\/start$/);
    const token = /\/r\/([A-Za-z0-9_-]{43})\//.exec(page.url())![1]!;
    return { context, page, token };
  }

  /** Answers through the API (the browser journey of answering is covered elsewhere): fast and the same storage. */
  async function answerAll(token: string, valueFor: (index: number) => number | 'na' | 'dontknow') {
    const checkpoints = allCheckpoints(definition);
    for (const [i, c] of checkpoints.entries()) {
      const saved = await app.inject({ method: 'PUT', url: `/api/responses/${token}/answers/${c.id}`, payload: { answer: valueFor(i) } });
      expect(saved.statusCode, saved.body).toBeLessThan(300);
    }
  }

  it('runs a 7-person workshop from join to report, on a laptop and a phone', async () => {
    const coachContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const coach = await coachContext.newPage();
    const problems: string[] = [];
    coach.on('pageerror', (e) => problems.push(e.message));

    await coach.goto(`${base}/`);
    await inspect(coach, 'home');
    await coach.goto(`${base}/sign-up`);
    await coach.getByLabel('Your name').fill('Coach Noor');
    await coach.getByLabel('Email address').fill('noor@example.com');
    await coach.locator('#password').fill('a long enough password');
    await coach.locator('#confirmPassword').fill('a long enough password');
    await coach.getByRole('button', { name: 'Create account' }).click();
    await coach.waitForURL(/\/coach$/);
    await coach.getByRole('link', { name: 'New workshop' }).click();
    await inspect(coach, 'new-workshop');
    await coach.getByLabel('Title').fill('Platform group, Q4 check-in');
    await coach.getByLabel('Leaders answer on the record').check();
    await coach.getByRole('button', { name: 'Create workshop' }).click();
    await coach.waitForURL(/\/coach\/workshops\/[0-9a-f-]{36}$/);
    const room = new URL(coach.url()).pathname;
    const code = (await coach.locator('.join-code').textContent())!.trim();

    // Seven people join on phones: two leaders on the record, five team members.
    const people = [];
    for (const role of ['leader', 'leader', 'team_member', 'team_member', 'team_member', 'team_member', 'team_member'] as const) {
      people.push({ role, ...(await join(code, role)) });
    }
    await inspect(people[0]!.page, 'participant-start');
    // Leaders see most things in place; the team is split, and two of them don't know the first phase.
    for (const [n, p] of people.entries()) {
      await answerAll(p.token, (i) => {
        if (p.role === 'leader') return 4;
        if (n >= 5 && i < 4) return 'dontknow';
        return n % 2 ? 0 : 3;
      });
    }

    // Every section of the room, at both widths.
    await visitBoth(coachContext, room, 'room-join');
    expect(await visitBoth(coachContext, `${room}/results`, 'room-results')).toBeGreaterThan(100);
    const queueMeters = await visitBoth(coachContext, `${room}/discussion`, 'room-discussion');
    expect(queueMeters).toBeGreaterThan(10);
    await visitBoth(coachContext, `${room}/presenter`, 'presenter-join');
    await visitBoth(coachContext, `${room}/presenter?item=1`, 'presenter-item');

    // Discussion → agreement: the first item leads to its form; saving says what was agreed.
    await coach.goto(`${base}${room}/discussion`);
    const queue = coach.locator('ol.queue > li');
    expect(await queue.count()).toBeGreaterThan(0);
    expect(await queue.count()).toBeLessThanOrEqual(7);
    expect(await coach.locator('ol.queue').textContent()).toMatch(/The room is split|don’t know|Leaders see it as more in place/);
    expect(await coach.locator('.gap-chart').first().textContent()).toContain('Leaders see it');
    await queue.first().getByRole('link', { name: /Record what the room agrees/ }).click();
    await coach.waitForURL(/\/agreement#/);
    const form = coach.locator('details.agree[open], details.agree:target').first();
    const opened = (await form.count()) > 0 ? form : coach.locator('details.agree').first();
    await opened.locator('summary').click({ trial: false }).catch(() => undefined);
    const target = coach.locator(`details.agree`).filter({ has: coach.locator(':scope[open]') }).first();
    const details = (await target.count()) > 0 ? target : coach.locator('details.agree').first();
    await details.locator('select').selectOption('2');
    await details.locator('textarea').fill('Two of us think it is not in place yet');
    await details.getByRole('button', { name: 'Save agreed answer' }).click();
    await coach.waitForURL(/\/agreement\?agreed=/);
    expect(await coach.locator('.saved-notice').textContent()).toContain('Dissent noted: “Two of us think it is not in place yet”');
    await inspect(coach, 'room-agreement');

    // Actions: one click from a constraint item to a form that already names it.
    await coach.goto(`${base}${room}/actions`);
    await coach.locator('.constraint-items a').first().click();
    await coach.waitForURL(/\/actions\?checkpoint=/);
    await coach.getByLabel('What will be done').fill('Write the direction down and share it');
    await coach.getByLabel('Owner').fill('VP Engineering');
    await coach.getByRole('button', { name: 'Add action' }).click();
    await coach.waitForURL(/\/actions#actions$/);
    expect(await coach.locator('.action-list').textContent()).toContain('Write the direction down and share it');
    await visitBoth(coachContext, `${room}/actions`, 'room-actions');

    // Exports wait for the close, and say why.
    await coach.goto(`${base}${room}/exports`);
    expect(await coach.locator('#export-reason').textContent()).toContain('once the workshop is closed');
    await inspect(coach, 'room-exports-open');

    // Close: the room says so, participants' join link says so.
    await coach.goto(`${base}${room}`);
    await coach.getByRole('button', { name: 'Close the workshop' }).click();
    await expect.poll(() => coach.locator('.closed-banner').count()).toBe(1);
    const late = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const latePage = await late.newPage();
    const closedJoin = await latePage.goto(`${base}/j/${code.replace('-', '')}`);
    expect(closedJoin!.status()).toBe(410);
    expect(await latePage.locator('main').textContent()).toContain('has closed');
    await inspect(latePage, 'join-closed');
    await late.close();
    const participant = people[3]!.page;
    await participant.goto(`${base}/r/${people[3]!.token}/phases/${definition.phases[0]!.id}`);
    expect(await participant.locator('.closed-banner').textContent()).toContain('has closed');
    expect(await participant.locator('input[type="radio"]').first().isDisabled()).toBe(true);
    await inspect(participant, 'participant-phase-closed');
    await visitBoth(coachContext, `${room}/exports`, 'room-exports-closed');

    // The report: bars with numbers, the gap chart, at most four A4 pages.
    const reportMeters = await visitBoth(coachContext, `${room}/report`, 'report');
    expect(reportMeters).toBeGreaterThan(100);
    const report = await coachContext.newPage();
    await report.goto(`${base}${room}/report`);
    await report.emulateMedia({ media: 'print' });
    const pdf = await report.pdf({ format: 'A4', printBackground: true, ...(shots ? { path: path.join(shots, 'report.pdf') } : {}) });
    if (shots) {
      await report.setViewportSize({ width: 794, height: 1123 });
      await report.screenshot({ path: path.join(shots, 'report-print-full.png'), fullPage: true });
    }
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
    expect(pages, `the report prints on ${pages} pages`).toBeLessThanOrEqual(4);
    await report.close();

    // The participants' own pages, on a phone.
    for (const [i, p] of people.slice(0, 2).entries()) {
      for (const step of ['start', 'review', 'results']) {
        await p.page.goto(`${base}/r/${p.token}/${step}`);
        await inspect(p.page, `participant-${step}-${i}`);
      }
    }
    await coach.goto(`${base}${room}`);
    await coach.getByRole('button', { name: 'Reveal group results to participants' }).click();
    await people[2]!.page.goto(`${base}/r/${people[2]!.token}/group`);
    await inspect(people[2]!.page, 'participant-group');

    // The coach's other pages.
    await visitBoth(coachContext, '/coach', 'coach-home');
    await visitBoth(coachContext, '/join', 'join-code');
    for (const p of people) await p.context.close();
    expect(problems).toEqual([]);
    await coachContext.close();
  }, 540_000);
});
