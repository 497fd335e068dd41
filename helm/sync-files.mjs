#!/usr/bin/env node
// Copies the dashboard and the alert rules into the Helm chart's files/ (Helm's .Files.Get cannot
// read outside the chart). grafana/ and prometheus/ stay the one source of truth; the chart tests
// check that the copies are byte-identical.
//
//   node helm/sync-files.mjs          copy
//   node helm/sync-files.mjs --check  exit 1 when a copy is missing or differs
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const chartFiles = join(repo, 'helm', 'mongodb-apikey-exporter', 'files');

/** Source in the repository → copy in the chart. */
const SYNCED_FILES = [
  ['grafana/mongodb-apikey-exporter.json', 'mongodb-apikey-exporter.json'],
  ['prometheus/alerts.yaml', 'alerts.yaml'],
].map(([source, name]) => ({ source: join(repo, source), copy: join(chartFiles, name) }));

const check = process.argv.includes('--check');
let stale = 0;
for (const { source, copy } of SYNCED_FILES) {
  const shown = `${relative(repo, source)} → ${relative(repo, copy)}`;
  if (!existsSync(source)) {
    console.error(`missing source: ${relative(repo, source)}`);
    stale++;
    continue;
  }
  const same = existsSync(copy) && readFileSync(source).equals(readFileSync(copy));
  if (check) {
    if (!same) {
      console.error(`out of date: ${shown} (run: node helm/sync-files.mjs)`);
      stale++;
    }
  } else if (!same) {
    mkdirSync(chartFiles, { recursive: true });
    copyFileSync(source, copy);
    console.log(`copied ${shown}`);
  } else {
    console.log(`up to date ${shown}`);
  }
}
process.exit(stale === 0 ? 0 : 1);
