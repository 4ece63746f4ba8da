import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../server/routes/api/openapi.js';

const run = promisify(execFile);

describe('the OpenAPI document', () => {
  it("lints clean under Redocly's recommended rules (operationIds, security, servers)", async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'stallpoint-openapi-'));
    try {
      const file = path.join(folder, 'openapi.json');
      await writeFile(file, JSON.stringify(openApiDocument()));
      const redocly = path.resolve(import.meta.dirname, '../../node_modules/.bin/redocly');
      const { stdout, stderr } = await run(redocly, ['lint', file, '--extends', 'recommended', '--format', 'stylish'], {
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      });
      const output = `${stdout}\n${stderr}`;
      expect(output).toContain('Your API description is valid');
      expect(output).not.toMatch(/\b(error|warning)\b\s+[a-z-]+/);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }, 60_000);

  it('every operation has an operationId, and the organisation routes ask for the token', () => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, { operationId?: string; security?: unknown[] }>> };
    const operations = Object.entries(doc.paths).flatMap(([p, ops]) => Object.values(ops).map((op) => ({ p, op })));
    expect(operations.every(({ op }) => typeof op.operationId === 'string')).toBe(true);
    expect(new Set(operations.map(({ op }) => op.operationId)).size).toBe(operations.length);
    for (const { p, op } of operations.filter(({ p }) => p.startsWith('/api/organisations/'))) {
      expect(op.security, p).toEqual([{ organisationToken: [] }]);
    }
  });
});
