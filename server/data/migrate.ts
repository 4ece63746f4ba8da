import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Migrator, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';

/** Next to this file's folder: migrations/*.ts from the sources, dist/migrations/*.js when built. */
export const migrationsFolder = path.resolve(import.meta.dirname, '../../migrations');

/**
 * Reads the migrations folder itself (rather than Kysely's FileMigrationProvider) so the import
 * goes through whichever TypeScript loader runs the app or the tests, or takes the built `.js`.
 * A migration's name is its file name without the extension either way.
 */
const folderProvider: MigrationProvider = {
  async getMigrations() {
    const names = (await readdir(migrationsFolder)).filter((n) => /^\d{8}_\d{4}_[a-z0-9_]+\.(ts|js)$/.test(n)).sort();
    const migrations: Record<string, Migration> = {};
    for (const name of names) {
      migrations[name.replace(/\.(ts|js)$/, '')] = (await import(
        pathToFileURL(path.join(migrationsFolder, name)).href
      )) as Migration;
    }
    return migrations;
  },
};

/** Apply every pending migration; throws naming the migration that failed. */
export async function migrateToLatest(db: Kysely<any>): Promise<NonNullable<MigrationResultSet['results']>> {
  const migrator = new Migrator({ db, provider: folderProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`Migration ${failed?.migrationName ?? '(unknown)'} failed: ${message}`, { cause: error });
  }
  return results ?? [];
}
