import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveAnswers } from '../../server/data/responses.js';
import { closeRound, createRoundResponse, openRound } from '../../server/data/rounds.js';
import { createTeam, teamsOf } from '../../server/data/teams.js';
import type { Answer } from '../../server/domain/answers.js';
import { allCheckpoints, type Definition } from '../../server/domain/definition.js';
import { roundResults } from '../../server/domain/round-results.js';
import { teamPath, teamPathLabel } from '../../server/domain/team-tree.js';
import { hashPrivateToken, newPrivateToken } from '../../server/private-links.js';
import { browserAvailable, launchBrowser } from '../support/browser.js';
import { startServedApp, type TestApp } from '../support/app.js';

/** Set SCREENSHOT_DIR to keep a PNG of each page at each width. */
const screenshotDir = process.env.SCREENSHOT_DIR;

describe.skipIf(!browserAvailable() && !process.env.CI)('an organisation’s results in real browsers', () => {
  let served: TestApp & { base: string };
  let app: FastifyInstance;
  let browser: Browser;
  let definition: Definition;
  let heatmapPath = '';
  let teamPagePath = '';

  async function answer(organisationId: string, roundId: string, teamId: string, people: number, value: number, role: 'leader' | 'team_member') {
    const all = new Map<string, Answer>(allCheckpoints(definition).map((c, i) => [c.id, { kind: 'rating', value: (value + (i % 2)) % 5 }]));
    for (let i = 0; i < people; i++) {
      const tokenHash = hashPrivateToken(newPrivateToken());
      await createRoundResponse(app.db, { organisationId, roundId, teamId, role, tokenHash, participantCode: randomBytes(4).toString('hex') });
      const response = await app.db.selectFrom('responses').select(['id', 'workshop_id as workshopId', 'role']).where('token_hash', '=', tokenHash).executeTakeFirstOrThrow();
      await saveAnswers(app.db, response, all, new Map());
    }
  }

  beforeAll(async () => {
    served = await startServedApp();
    app = served.app;
    definition = app.assessments.latestOf('ai-native-maturity')!;
    browser = await launchBrowser();

    // The owner signs up and creates the organisation in the browser; the tree and two rounds are seeded.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${served.base}/sign-up`);
    await page.getByLabel('Your name').fill('Owner Ola');
    await page.getByLabel('Email address').fill('ola@example.com');
    await page.locator('#password').fill('a long enough password');
    await page.locator('#confirmPassword').fill('a long enough password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/coach$/);
    await page.goto(`${served.base}/organisations`);
    await page.getByLabel('Name').fill('Acme Engineering');
    await page.getByRole('button', { name: 'Create organisation' }).click();
    await page.waitForURL(/\/organisations\/[0-9a-f-]{36}$/);
    const organisationId = page.url().split('/').at(-1)!;
    await context.storageState({ path: '/tmp/stallpoint-org-owner.json' });
    await context.close();

    const root = await createTeam(app.db, organisationId, { name: 'Engineering', parentId: null });
    const platform = await createTeam(app.db, organisationId, { name: 'Platform and developer experience', parentId: root });
    const apps = await createTeam(app.db, organisationId, { name: 'Customer apps', parentId: root });
    const small = await createTeam(app.db, organisationId, { name: 'Data', parentId: root });
    const teams = await teamsOf(app.db, organisationId);
    const names = new Map([...teams.values()].map((t) => [t.id, t.name]));
    const roundIds: string[] = [];
    for (const [label, base] of [['2027-Q1', 1], ['2027-Q2', 2], ['2027-Q3', 3]] as const) {
      const id = randomUUID();
      roundIds.push(id);
      await openRound(app.db, organisationId, {
        id,
        label,
        assessmentId: definition.id,
        assessmentVersion: definition.version,
        anonymityMinimum: 5,
        teams: [platform, apps, small].map((teamId) => ({
          teamId,
          headcount: 12,
          teamPath: teamPath(teams, teamId),
          teamPathLabel: teamPathLabel(teams, teamId),
          linkTokenHash: hashPrivateToken(newPrivateToken()),
        })),
      });
      await answer(organisationId, id, platform, 6, base, 'team_member');
      await answer(organisationId, id, platform, 5, base - 1, 'leader');
      await answer(organisationId, id, apps, 7, 4 - base, 'team_member');
      await answer(organisationId, id, small, 3, 2, 'team_member');
      await closeRound(app.db, organisationId, id, (input) => roundResults(definition, names, input, 5));
    }
    heatmapPath = `/organisations/${organisationId}/rounds/${roundIds[2]}/heatmap`;
    teamPagePath = `/organisations/${organisationId}/rounds/${roundIds[2]}/teams/${platform}`;
  });

  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  for (const width of [1280, 390]) {
    it(`the heatmap and a team's trend at ${width} px: no sideways scroll, the trend chart drawn, no errors`, async () => {
      const context = await browser.newContext({ viewport: { width, height: 900 }, storageState: '/tmp/stallpoint-org-owner.json' });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));

      await page.goto(`${served.base}${heatmapPath}`);
      await expect.poll(() => page.locator('table.heatmap tbody tr').count()).toBe(4);
      await expect.poll(() => page.locator('.heat-below').count()).toBeGreaterThan(0); // Data: 3 people
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)).toBe(true);
      if (screenshotDir) await page.screenshot({ path: `${screenshotDir}/heatmap-${width}.png`, fullPage: true });

      await page.getByRole('link', { name: 'Platform and developer experience' }).click();
      await page.waitForURL(`**${teamPagePath}`);
      await expect.poll(() => page.locator('canvas[data-chart][data-chart-ready="true"]').count()).toBeGreaterThan(0);
      expect(await page.locator('.trend-table tbody tr').count()).toBe(3);
      const wide = await page.evaluate(() =>
        Array.from(document.querySelectorAll('main *'))
          .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
          .map((e) => `${e.tagName}.${e.className}:${(e.textContent ?? '').slice(0, 40)}`)
          .slice(0, 5),
      );
      expect(wide).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)).toBe(true);
      if (screenshotDir) await page.screenshot({ path: `${screenshotDir}/team-${width}.png`, fullPage: true });
      expect(problems).toEqual([]);
      await context.close();
    });
  }
});
