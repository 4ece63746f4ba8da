import type { Kysely, Transaction } from 'kysely';
import type { Database } from './database.js';

type Db = Kysely<Database> | Transaction<Database>;

/** An action a leader recorded on their private link against one of the constraint's checkpoints. */
export interface LeaderAction {
  checkpointId: string;
  description: string;
  owner: string;
  dueQuarter: string;
  createdAt: Date;
}

const columns = [
  'checkpoint_id as checkpointId',
  'description',
  'owner',
  'due_quarter as dueQuarter',
  'created_at as createdAt',
] as const;

export async function listLeaderActions(db: Db, responseId: string): Promise<LeaderAction[]> {
  return db
    .selectFrom('response_actions')
    .select(columns)
    .where('response_id', '=', responseId)
    .orderBy('created_at')
    .orderBy('checkpoint_id')
    .execute();
}

/** One action per checkpoint: recording it again (a double click, a retry, an edit) updates it. */
export async function saveLeaderAction(
  db: Db,
  responseId: string,
  action: Omit<LeaderAction, 'createdAt'>,
): Promise<void> {
  await db
    .insertInto('response_actions')
    .values({
      response_id: responseId,
      checkpoint_id: action.checkpointId,
      description: action.description,
      owner: action.owner,
      due_quarter: action.dueQuarter,
    })
    .onConflict((oc) =>
      oc.columns(['response_id', 'checkpoint_id']).doUpdateSet((eb) => ({
        description: eb.ref('excluded.description'),
        owner: eb.ref('excluded.owner'),
        due_quarter: eb.ref('excluded.due_quarter'),
        updated_at: new Date(),
      })),
    )
    .execute();
}

export async function deleteLeaderAction(db: Db, responseId: string, checkpointId: string): Promise<void> {
  await db
    .deleteFrom('response_actions')
    .where('response_id', '=', responseId)
    .where('checkpoint_id', '=', checkpointId)
    .execute();
}
