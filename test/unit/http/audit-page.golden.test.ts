// Golden files: what `/`, `/keys.json` and `/events.json` answer for the literal snapshot of ../audit/fixture.ts
// (one key of every risk) plus an Ops Manager global key, at the fixture's clock, compared byte
// for byte with ./golden/. `/keys.json` is kept indented for review; the route sends the same
// value without indentation.
//
// To rewrite the golden files after an intended change of the output, run
//   UPDATE_GOLDEN=1 npx vitest run test/unit/http/audit-page.golden.test.ts
// then read the diff (git diff test/unit/http/golden/) before committing it.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { audit, recentChanges } from '../../../src/audit/audit.js';
import { parseChangeQuery, type ChangeQuery } from '../../../src/audit/change-query.js';
import { DEFAULT_QUERY, parseAuditQuery, type AuditQuery } from '../../../src/audit/query.js';
import { renderAuditPage, renderBadQueryPage, renderWaitingPage } from '../../../src/http/audit-page.js';
import { eventsJson } from '../../../src/http/events-json.js';
import { auditJson } from '../../../src/http/keys-json.js';
import { KEY_KINDS } from '../../../src/model/api-key.js';
import type { Snapshot } from '../../../src/model/snapshot.js';
import { ago, NOW, SNAPSHOT, ZERO } from '../audit/fixture.js';

const CONTEXT = { version: '1.2.3', telemetryPath: '/metrics' };

/** Every kind: the fixture's scopes and one Ops Manager instance with a global key. */
const EVERY_KIND: Snapshot = {
  ...SNAPSHOT,
  scopes: [
    ...SNAPSHOT.scopes,
    {
      scope: { kind: 'global', owner: 'global', id: 'opsmanager.example.com:8443', credentialId: 'om' },
      up: true,
      lastSuccessAt: NOW - 60_000,
      errors: ZERO,
      keys: [{ id: 'gk-1', description: 'Backup automation', suffix: '9f3a', publicKey: 'qrstuvwx', tracksUse: true, lastUsedAt: ago(120), roles: [{ name: 'GLOBAL_READ_ONLY' }], accessList: { entries: 0, unrestricted: false, shown: [] } }],
    },
  ],
};

const parse = (search: string): AuditQuery => {
  const parsed = parseAuditQuery(new URLSearchParams(search));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.query;
};

const parseChanges = (search: string): ChangeQuery => {
  const parsed = parseChangeQuery(new URLSearchParams(search), 'json');
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.query;
};

const FILTERED = 'kind=service_account&filter=attention&sort=expires&limit=2&page=2&q=deploy&idleDays=60';

const CASES: readonly (readonly [file: string, render: () => string])[] = [
  ['page.html', () => renderAuditPage(audit(EVERY_KIND, DEFAULT_QUERY, NOW), CONTEXT)],
  ['page-filtered.html', () => renderAuditPage(audit(EVERY_KIND, parse(FILTERED), NOW), CONTEXT)],
  ['waiting.html', () => renderWaitingPage(parse('idleDays=60'), CONTEXT)],
  ['bad-query.html', () => renderBadQueryPage('query parameter sort: expected one of risk, age', CONTEXT, DEFAULT_QUERY)],
  ['keys.json', () => `${JSON.stringify(auditJson(audit(EVERY_KIND, DEFAULT_QUERY, NOW)), null, 2)}\n`],
  ['keys-filtered.json', () => `${JSON.stringify(auditJson(audit(EVERY_KIND, parse(FILTERED), NOW)), null, 2)}\n`],
  ['events.json', () => `${JSON.stringify(eventsJson(recentChanges(EVERY_KIND, parseChanges(''), NOW)), null, 2)}\n`],
  ['events-filtered.json', () => `${JSON.stringify(eventsJson(recentChanges(EVERY_KIND, parseChanges('eventType=api_key&eventScope=o-acme&limit=2&page=2'), NOW)), null, 2)}\n`],
];

describe('audit golden files', () => {
  it('covers every kind', () => {
    expect(new Set(EVERY_KIND.scopes.map((state) => state.scope.kind))).toEqual(new Set(KEY_KINDS));
  });

  it.each(CASES)('renders %s exactly as the golden file', (file, render) => {
    const path = fileURLToPath(new URL(`./golden/${file}`, import.meta.url));
    const actual = render();
    if (process.env.UPDATE_GOLDEN === '1') {
      writeFileSync(path, actual);
      return;
    }
    expect(actual).toBe(readFileSync(path, 'utf8'));
  });
});
