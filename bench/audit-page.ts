/**
 * In-process timing of the audit (no HTTP): `/` with the default query, `/` with a page of 1,000
 * rows, and `/keys.json` with every row, each from the snapshot to the text the route sends, at
 * the default bench scale (42,000 keys). Median of 15 (9 for `/keys.json`) after 3 warm-up runs.
 * `npm run build && npx tsc -p bench/tsconfig.json && node --expose-gc dist-bench/bench/audit-page.js [projects]`
 */
import { performance } from 'node:perf_hooks';
import { audit } from '../src/audit/audit.js';
import { parseAuditQuery, type AuditQuery } from '../src/audit/query.js';
import { renderAuditPage } from '../src/http/audit-page.js';
import { auditJson } from '../src/http/keys-json.js';
import { snapshotOf } from './micro.js';

function query(search: string): AuditQuery {
  const parsed = parseAuditQuery(new URLSearchParams(search));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.query;
}

function median(label: string, run: () => string, times: number): void {
  for (let index = 0; index < 3; index++) run();
  const all: number[] = [];
  let bytes = 0;
  for (let index = 0; index < times; index++) {
    (globalThis as { gc?: () => void }).gc?.();
    const started = performance.now();
    bytes = run().length;
    all.push(performance.now() - started);
  }
  all.sort((a, b) => a - b);
  console.log(`${label}: median ${all[Math.floor(times / 2)]!.toFixed(1)} ms (min ${all[0]!.toFixed(1)}, max ${all[times - 1]!.toFixed(1)}), ${bytes} characters`);
}

const snapshot = snapshotOf(Number(process.argv[2] ?? 10_000));
const keys = snapshot.scopes.reduce((sum, state) => sum + (state.keys?.length ?? 0), 0);
const context = { version: 'bench', telemetryPath: '/metrics' };
console.log(`${keys} keys in ${snapshot.scopes.length} scopes`);
median('/', () => renderAuditPage(audit(snapshot, query(''), Date.now()), context), 15);
median('/?sort=description&limit=1000', () => renderAuditPage(audit(snapshot, query('sort=description&limit=1000'), Date.now()), context), 15);
median('/keys.json', () => JSON.stringify(auditJson(audit(snapshot, query(''), Date.now()))), 9);
