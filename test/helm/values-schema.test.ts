/**
 * values.yaml against values.schema.json (ajv, as helm validates values before rendering), the
 * schema's strictness, and helm-docs comments on every value.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { isMap, isScalar, isSeq, parse, parseDocument, stringify, type YAMLMap } from 'yaml';
import { parseConfigText } from '../../src/config/load.js';
import { chartDir } from './render.js';

type Json = Record<string, unknown>;
const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')) as Json;
const valuesText = readFileSync(join(chartDir, 'values.yaml'), 'utf8');
const defaults = parse(valuesText) as Json;
const allOptIns = parse(readFileSync(new URL('./values-all-optins.yaml', import.meta.url), 'utf8')) as Json;

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validate = ajv.compile(schema);

/** Helm's merge of a values file over the defaults: maps merge, anything else replaces, null deletes. */
function mergeValues(base: Json, override: Json): Json {
  const out: Json = structuredClone(base);
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    if (value === null) delete out[key];
    else if (isPlainObject(value) && isPlainObject(current)) out[key] = mergeValues(current, value);
    else out[key] = structuredClone(value);
  }
  return out;
}

function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorsOf(values: unknown): string {
  return validate(values) ? '' : ajv.errorsText(validate.errors);
}

function withPath(path: readonly (string | number)[], value: unknown): Json {
  const out: Json = structuredClone(defaults);
  let node: Record<string | number, unknown> = out;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path.at(-1)!] = value;
  return out;
}

describe('values.schema.json', () => {
  it('accepts values.yaml', () => {
    expect(errorsOf(defaults)).toBe('');
  });

  it('accepts the all-opt-ins values merged over values.yaml', () => {
    expect(errorsOf(mergeValues(defaults, allOptIns))).toBe('');
  });

  it('sets additionalProperties: false on every object it defines', () => {
    const loose: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (!isPlainObject(node)) return;
      if (node.type === 'object' && isPlainObject(node.properties) && node.additionalProperties !== false) loose.push(path || '(root)');
      for (const [key, child] of Object.entries(node)) {
        if (key === 'properties' && isPlainObject(child)) for (const [p, s] of Object.entries(child)) walk(s, `${path}.${p}`);
        else if (key === 'items') walk(child, `${path}[]`);
      }
    };
    walk(schema, '');
    expect(loose).toEqual([]);
  });

  it('describes every key of values.yaml (and nothing values.yaml lacks, except optional fields)', () => {
    const missing: string[] = [];
    const walk = (values: Json, node: Json, path: string): void => {
      const props = (node.properties ?? {}) as Json;
      for (const [key, value] of Object.entries(values)) {
        const child = props[key];
        if (!isPlainObject(child)) {
          missing.push(`${path}${key}`);
          continue;
        }
        if (isPlainObject(value) && isPlainObject(child.properties)) walk(value, child, `${path}${key}.`);
      }
    };
    walk(defaults, schema, '');
    expect(missing).toEqual([]);
  });

  it.each([
    ['an unknown top-level key', ['replicas'], 2],
    ['an unknown key under image', ['image', 'registry'], 'ghcr.io'],
    ['an unknown key under config.poll', ['config', 'poll', 'intervall'], '5m'],
    ['an unknown key under serviceMonitor', ['serviceMonitor', 'scrapeInterval'], '1m'],
    ['an unknown key under prometheusRule.thresholds', ['prometheusRule', 'thresholds', 'idleWeeks'], 3],
    ['an unknown key under networkPolicy.api', ['networkPolicy', 'api', 'hosts'], ['cloud.mongodb.com']],
    ['an unknown key under webConfig.tls', ['webConfig', 'tls', 'certFile'], '/tmp/x'],
  ] as const)('rejects %s', (_name, path, value) => {
    expect(errorsOf(withPath(path, value))).toMatch(/must NOT have additional properties/);
  });

  it.each([
    ['replicaCount as a string', ['replicaCount'], '1'],
    ['service.port out of range', ['service', 'port'], 70000],
    ['service.port as a string', ['service', 'port'], '9947'],
    ['serviceMonitor.enabled as a string', ['serviceMonitor', 'enabled'], 'true'],
    ['a log format that does not exist', ['log', 'format'], 'text'],
    ['config.poll.concurrency 0', ['config', 'poll', 'concurrency'], 0],
    ['config.poll.interval that is no duration', ['config', 'poll', 'interval'], 'five minutes'],
    ['prometheusRule.thresholds.idleDays as a string', ['prometheusRule', 'thresholds', 'idleDays'], '90'],
    ['prometheusRule.thresholds.secretExpiryWarningDays as a string', ['prometheusRule', 'thresholds', 'secretExpiryWarningDays'], '14'],
    ['prometheusRule.thresholds.secretExpiryCriticalDays 0', ['prometheusRule', 'thresholds', 'secretExpiryCriticalDays'], 0],
    ['prometheusRule.thresholds.orgOwnerIdleDays as a fraction', ['prometheusRule', 'thresholds', 'orgOwnerIdleDays'], 1.5],
    ['image.pullPolicy that does not exist', ['image', 'pullPolicy'], 'Sometimes'],
    ['podAnnotations with a number', ['podAnnotations'], { a: 1 }],
    ['networkPolicy.api.ports with a string', ['networkPolicy', 'api', 'ports'], ['https']],
  ] as const)('rejects %s', (_name, path, value) => {
    expect(errorsOf(withPath(path, value))).not.toBe('');
  });

  describe('sharding.replicas: an integer from 1 to 1000, strictly', () => {
    it.each([1, 2, 3, 1000])('accepts %s', (replicas) => {
      expect(errorsOf(withPath(['sharding', 'replicas'], replicas))).toBe('');
    });
    it.each([
      ['0', 0],
      ['1001 (the exporter allows 1000 shards)', 1001],
      ['-1', -1],
      ['a fraction', 2.5],
      ['a string', '3'],
      ['null', null],
      ['a boolean', true],
    ] as const)('rejects %s', (_name, replicas) => {
      expect(errorsOf(withPath(['sharding', 'replicas'], replicas))).not.toBe('');
    });
    it('rejects unknown keys and a bad PodDisruptionBudget', () => {
      expect(errorsOf(withPath(['sharding', 'count'], 3))).toMatch(/must NOT have additional properties/);
      expect(errorsOf(withPath(['sharding', 'podDisruptionBudget', 'minAvailable'], 1))).toMatch(/must NOT have additional properties/);
      expect(errorsOf(withPath(['sharding', 'podDisruptionBudget', 'maxUnavailable'], 0))).not.toBe('');
      expect(errorsOf(withPath(['sharding', 'podDisruptionBudget', 'enabled'], 'yes'))).not.toBe('');
      expect(errorsOf(withPath(['sharding'], {}))).toMatch(/replicas/);
    });
  });

  it('rejects config entries the exporter would reject', () => {
    const users = (list: unknown[]): Json => withPath(['config', 'users'], list);
    const projects = (list: unknown[]): Json => withPath(['config', 'projects'], list);
    expect(errorsOf(users([{ username: 'a', apiKey: 'k' }]))).toBe('');
    expect(errorsOf(users([{ apiKey: 'k' }]))).toMatch(/username/);
    expect(errorsOf(users([{ username: 'a', apiKeyFile: '/x' }]))).toMatch(/additional properties/);
    expect(errorsOf(users([{ username: 'a', userId: 'not-an-id' }]))).not.toBe('');
    expect(errorsOf(users([{ username: 'a', baseUrl: 'ftp://x' }]))).not.toBe('');
    expect(errorsOf(projects([{ publicKey: 'p', privateKey: 'k', discover: true }]))).toBe('');
    expect(errorsOf(projects([{ publicKey: 'p', privateKey: 'k', ids: ['5e2211c17a3e5a48f5497de3'] }]))).toBe('');
    expect(errorsOf(projects([{ publicKey: 'p', privateKey: 'k' }]))).not.toBe('');
    expect(errorsOf(projects([{ publicKey: 'p', privateKey: 'k', ids: [] }]))).not.toBe('');
    expect(errorsOf(projects([{ publicKey: 'p', privateKey: 'k', discover: true, secretKey: 'a/b' }]))).not.toBe('');
  });

  describe('config.organizations', () => {
    const ORG = '4888442a3354817a7320eb61';
    const digest = { publicKey: 'zmmrboas', privateKey: 'k', ids: [ORG] };
    const oauth = { clientId: 'mdb_sa_id_0123456789abcdef01234567', clientSecret: 's', discover: true };
    const OPS_MANAGER = 'https://opsmanager.example.com:8443/api/public/v1.0';
    const organizations = (list: unknown[]): Json => withPath(['config', 'organizations'], list);

    /** The entry as the chart writes it into config.yaml (templates/_helpers.tpl), parsed by the exporter. */
    function exporterAccepts(entry: Json): boolean {
      const { privateKey: _p, clientSecret: _c, secretKey: _k, ...rest } = entry;
      const file = '/var/run/secrets/mongodb-apikey-exporter/key';
      const written = entry.publicKey !== undefined ? { ...rest, privateKeyFile: file } : entry.clientId !== undefined ? { ...rest, clientSecretFile: file } : rest;
      try {
        parseConfigText(stringify({ organizations: [written] }), {}, 'config.yaml');
        return true;
      } catch {
        return false;
      }
    }

    // [name, entry, valid]: the schema and the exporter agree on every one.
    const CASES: [string, Json, boolean][] = [
      ['a programmatic key with ids', digest, true],
      ['a service account discovering its organizations', oauth, true],
      ['a service account with tokenUrl, includeProjects and a secretKey', { ...oauth, tokenUrl: 'https://cloud.mongodb.com/api/oauth/token', includeProjects: true, secretKey: 'sa.secret' }, true],
      ['service accounts only', { ...digest, apiKeys: false }, true],
      ['keys without access lists', { ...digest, accessLists: false }, true],
      ['system-managed service accounts too', { ...oauth, includeSystemManaged: true }, true],
      ['Cloud/Ops Manager with serviceAccounts: false', { ...digest, baseUrl: OPS_MANAGER, serviceAccounts: false }, true],
      ['an explicit Admin API v2 baseUrl', { ...oauth, baseUrl: 'https://cloud.mongodb.com/api/atlas/v2' }, true],
      ['an entry left for secret.existingSecret (no secret value)', { publicKey: 'zmmrboas', ids: [ORG] }, true],
      ['both publicKey and clientId', { ...digest, clientId: oauth.clientId }, false],
      ['neither publicKey nor clientId', { privateKey: 'k', ids: [ORG] }, false],
      ['neither ids nor discover', { publicKey: 'zmmrboas', privateKey: 'k' }, false],
      ['empty ids', { ...digest, ids: [] }, false],
      ['discover: false and no ids', { publicKey: 'zmmrboas', privateKey: 'k', discover: false }, false],
      ['an organization id that is not one', { ...digest, ids: ['my-org'] }, false],
      ['apiKeys and serviceAccounts both false', { ...digest, apiKeys: false, serviceAccounts: false }, false],
      ['service accounts on Cloud/Ops Manager', { ...digest, baseUrl: OPS_MANAGER }, false],
      ['service accounts on Cloud/Ops Manager (explicitly)', { ...digest, baseUrl: OPS_MANAGER, serviceAccounts: true }, false],
      ['a baseUrl that is not http(s)', { ...digest, baseUrl: 'ftp://cloud.mongodb.com/api/atlas/v2' }, false],
      ['a tokenUrl that is not http(s)', { ...oauth, tokenUrl: 'ftp://cloud.mongodb.com/api/oauth/token' }, false],
      ['discover as a string', { ...oauth, discover: 'true' }, false],
      ['an empty publicKey', { ...digest, publicKey: '' }, false],
    ];

    it.each(CASES.map(([name, entry, valid]) => ({ name, entry, valid })))('$name: schema and exporter agree (valid: $valid)', ({ entry, valid }) => {
      expect(errorsOf(organizations([entry])) === '', ajv.errorsText(validate.errors)).toBe(valid);
      expect(exporterAccepts(entry)).toBe(valid);
    });

    // The chart writes only the file of the entry's own credential: a stray secret or tokenUrl would
    // be dropped or ignored without a word, so the schema refuses it.
    it.each([
      ['a publicKey with a clientSecret', { ...digest, clientSecret: 's' }],
      ['a clientId with a privateKey', { ...oauth, privateKey: 'k' }],
      ['a tokenUrl on a programmatic key', { ...digest, tokenUrl: 'https://cloud.mongodb.com/api/oauth/token' }],
    ])('rejects %s, which the chart would otherwise drop silently', (_name, entry) => {
      expect(errorsOf(organizations([entry]))).not.toBe('');
    });

    it.each([
      ['privateKeyFile (the chart writes the file paths itself)', { ...digest, privateKeyFile: '/x' }],
      ['clientSecretFile', { ...oauth, clientSecretFile: '/x' }],
      ['a misspelt field', { ...digest, includeProject: true }],
    ])('rejects %s as an unknown field', (_name, entry) => {
      expect(errorsOf(organizations([entry]))).toMatch(/must NOT have additional properties/);
    });

    it('rejects a secretKey that cannot be a Secret key', () => {
      expect(errorsOf(organizations([{ ...digest, secretKey: 'a/b' }]))).not.toBe('');
      expect(errorsOf(organizations([{ ...digest, secretKey: '' }]))).not.toBe('');
    });
  });

  it('rejects basic auth passwords that are not bcrypt hashes', () => {
    expect(errorsOf(withPath(['webConfig', 'basicAuthUsers'], { prometheus: 'plaintext' }))).not.toBe('');
  });
});

describe('values.yaml documentation', () => {
  it('has a helm-docs "# --" comment on every value (or on its parent object)', () => {
    const doc = parseDocument(valuesText);
    const undocumented: string[] = [];
    const walk = (map: YAMLMap, path: string, parentDocumented: boolean): void => {
      map.items.forEach((pair, index) => {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        // the yaml parser attaches a comment above a map's first key to the map itself
        const comment = [(isScalar(pair.key) ? pair.key.commentBefore : undefined) ?? '', index === 0 ? (map.commentBefore ?? '') : ''].join('\n');
        const documented = /^\s*--/m.test(comment);
        if (isMap(pair.value) && pair.value.items.length > 0 && !documented) walk(pair.value, `${path}${key}.`, parentDocumented);
        else if (!documented && !(isMap(pair.value) || isSeq(pair.value) ? false : parentDocumented)) undocumented.push(`${path}${key}`);
      });
    };
    walk(doc.contents as YAMLMap, '', false);
    expect(undocumented).toEqual([]);
  });
});
