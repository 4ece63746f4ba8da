import { sql, type Kysely } from 'kysely';

// Frozen in time: never import application code here.
//
// Whether a team's row of a closed round is withheld (below the minimum, or revealing a smaller
// group by subtraction) is decided once, when the results are computed, and kept beside them: a
// page view then reads only the rows it shows, never the whole round to re-run the rule.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('round_team_results')
    .addColumn('withheld', 'boolean', (c) => c.notNull().defaultTo(true))
    .execute();
  await sql`create index round_team_results_team_idx on round_team_results (organisation_id, team_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('round_team_results_team_idx').execute();
  await db.schema.alterTable('round_team_results').dropColumn('withheld').execute();
}
