// Validate every definition under assessments/ and print a summary (used while authoring).
import path from 'node:path';
import { loadDefinitions } from '../server/assessments/load.js';
import { allCheckpoints } from '../server/domain/definition.js';

const folder = path.resolve(import.meta.dirname, '../assessments');
try {
  for (const d of await loadDefinitions(folder)) {
    const checkpoints = allCheckpoints(d);
    console.log(`${d.id} v${d.version}: ${d.phases.length} phases, ${checkpoints.length} checkpoints`);
  }
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
