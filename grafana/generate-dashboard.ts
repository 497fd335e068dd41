/**
 * Writes grafana/mongodb-apikey-exporter.json from grafana/dashboard.ts. Run through
 * `npm run dashboard`, which compiles it with grafana/tsconfig.json and runs it from the package root.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { render } from './dashboard.js';

const path = resolve('grafana/mongodb-apikey-exporter.json');
writeFileSync(path, render());
console.log(`wrote ${path}`);
