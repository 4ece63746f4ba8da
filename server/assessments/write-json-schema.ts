// Writes the JSON Schema that definition authors point their editor at
// (`"$schema": "./schema/definition.schema.json"`). Generated from the zod schema: run `npm run schema`.
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { definitionJsonSchema } from './load.js';

const target = path.resolve(import.meta.dirname, '../../assessments/schema/definition.schema.json');
await mkdir(path.dirname(target), { recursive: true });
await writeFile(target, `${JSON.stringify(definitionJsonSchema(), null, 2)}\n`);
console.log(`wrote ${path.relative(process.cwd(), target)}`);
