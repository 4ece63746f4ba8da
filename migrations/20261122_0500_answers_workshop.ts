import { sql, type Kysely } from 'kysely';

// Frozen in time: never import application code here.

/**
 * A workshop's answers carry their workshop and role (both frozen on the
 * response), so the facilitator view counts them from one index, without a
 * join and whatever the table statistics say (500 people joining at once left
 * the planner with a plan that read the answers participant by participant).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('answers')
    .addColumn('workshop_id', 'uuid', (c) => c.references('workshops.id').onDelete('cascade'))
    .addColumn('role', 'text')
    .execute();
  await sql`update answers set workshop_id = r.workshop_id, role = r.role
            from responses r where r.id = answers.response_id and r.workshop_id is not null`.execute(db);
  await sql`create index answers_workshop_counts_idx on answers (workshop_id, checkpoint_id, role, kind, value)
            where workshop_id is not null`.execute(db);
  await sql`create index answers_workshop_response_idx on answers (workshop_id, response_id)
            where workshop_id is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('answers_workshop_response_idx').execute();
  await db.schema.dropIndex('answers_workshop_counts_idx').execute();
  await db.schema.alterTable('answers').dropColumn('role').dropColumn('workshop_id').execute();
}
