/** The eCHIS-shaped sample data this project carries (a copy of the shared fixtures): the demo's seed and the tests' oracle. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** From `dist/transitions/sandbox/` back to the project root. */
const SAMPLE_DIR = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'echis-sample');

export function readSample<T>(file: string): T {
  return JSON.parse(readFileSync(path.join(SAMPLE_DIR, file), 'utf8')) as T;
}
