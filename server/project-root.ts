import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The project folder (the one holding package.json), whether the app runs from its TypeScript
 * sources (server/…, `npm run dev`, tests) or from the built JavaScript (dist/server/…,
 * `npm start`): views, static files, assessments and the data folder are found from here.
 */
function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`No package.json above ${from}`);
  }
}

export const projectRoot = findProjectRoot(import.meta.dirname);
