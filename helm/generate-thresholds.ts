/**
 * Writes helm/mongodb-apikey-exporter/files/thresholds.yaml from helm/thresholds.ts. Run through
 * `npm run chart`, which compiles it with helm/tsconfig.json and runs it from the package root.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { render } from './thresholds.js';

const path = resolve('helm/mongodb-apikey-exporter/files/thresholds.yaml');
writeFileSync(path, render());
console.log(`wrote ${path}`);
