import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { pageSchema } from '../../src/atlas/paging.js';
import { parseRetryAfter } from '../../src/atlas/retry.js';
import { parseDuration } from '../../src/config/duration.js';
import { parseFlags } from '../../src/config/flags.js';
import { parseConfigText } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors/config-error.js';
import { InvalidResponseError } from '../../src/errors/invalid-response-error.js';
import { parseWebConfigText } from '../../src/http/web-config.js';
import { mapAgentKeys, mapProjects } from '../../src/sources/agent-keys.js';
import { mapUserKeys } from '../../src/sources/user-keys.js';

const RUNS = { numRuns: 400 };

/** Runs `parse`; it must return, or throw only `allowed`, and within 200 ms. */
function parsesOrFailsTyped(parse: () => unknown, allowed: new (...args: never[]) => Error): boolean {
  const started = performance.now();
  try {
    parse();
  } catch (error) {
    if (!(error instanceof allowed)) throw error;
  }
  expect(performance.now() - started).toBeLessThan(200);
  return true;
}

// JSON-like values with the field names the parsers look for, so that inputs get past the first check.
const field = fc.constantFrom('id', '_id', 'key', 'desc', 'createdTime', 'createdAt', 'lastUsed', 'usedCount', 'enabled', 'description', 'obfuscatedKey', 'createdBy', 'name', 'results', 'links', 'totalCount', 'rel', 'href');
const leaf = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.date({ noInvalidDate: true }).map((date) => date.toISOString()));
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('tree'), { maxLength: 4 }), fc.dictionary(fc.oneof(field, fc.string()), tie('tree'), { maxKeys: 6 })),
}));

describe('response parsers: any input parses or yields InvalidResponseError', () => {
  it('personal keys', () => {
    fc.assert(fc.property(fc.array(tree, { maxLength: 5 }), (items) => parsesOrFailsTyped(() => mapUserKeys(items, 'u'), InvalidResponseError)), RUNS);
  });
  it('agent keys', () => {
    fc.assert(fc.property(tree, (body) => parsesOrFailsTyped(() => mapAgentKeys(body, 'u'), InvalidResponseError)), RUNS);
  });
  it('projects', () => {
    fc.assert(fc.property(fc.array(tree, { maxLength: 5 }), (items) => parsesOrFailsTyped(() => mapProjects(items, 'u'), InvalidResponseError)), RUNS);
  });
  it('pages never throw, they report', () => {
    fc.assert(fc.property(tree, (body) => typeof pageSchema.safeParse(body).success === 'boolean'), RUNS);
  });
  it('well-formed keys always parse, whatever extra fields ride along', () => {
    const key = fc.record({
      id: fc.string({ minLength: 1 }),
      createdAt: fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((date) => date.toISOString()),
      usedCount: fc.nat(),
      enabled: fc.boolean(),
      lastUsed: fc.option(fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((date) => date.toISOString())),
      extra: tree,
    });
    fc.assert(
      fc.property(fc.array(key, { maxLength: 5 }), (items) => {
        const keys = mapUserKeys(items, 'u');
        return keys.length === items.length && keys.every((parsed, index) => parsed.createdAt === Date.parse(items[index]!.createdAt));
      }),
      RUNS,
    );
  });
});

describe('config and flags: any input parses or yields ConfigError', () => {
  it('config text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (text) => parsesOrFailsTyped(() => parseConfigText(text, {}, 'c.yaml'), ConfigError)), RUNS);
  });
  it('config trees', () => {
    const section = fc.dictionary(fc.constantFrom('poll', 'users', 'projects', 'interval', 'username', 'apiKey', 'ids', 'discover', 'baseUrl', 'x'), tree, { maxKeys: 4 });
    fc.assert(fc.property(section, (config) => parsesOrFailsTyped(() => parseConfigText(stringify(config), { A: 'b' }, 'c.yaml'), ConfigError)), RUNS);
  });
  it('web config text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (text) => parsesOrFailsTyped(() => parseWebConfigText(text, 'w.yml'), ConfigError)), RUNS);
  });
  it('flags', () => {
    const flag = fc.oneof(fc.string(), fc.constantFrom('--config.file=', '--web.listen-address=', '--log.level=', '--log.format=', '--web.telemetry-path=').chain((name) => fc.string().map((value) => name + value)));
    fc.assert(fc.property(fc.array(flag, { maxLength: 4 }), (argv) => parsesOrFailsTyped(() => parseFlags(argv), ConfigError)), RUNS);
  });
  it('durations and Retry-After never throw', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.double()), (value) => parseDuration(value) === undefined || Number.isFinite(parseDuration(value)!)), RUNS);
    fc.assert(fc.property(fc.string(), (value) => { const seconds = parseRetryAfter(value, Date.now()); return seconds === undefined || seconds >= 0; }), RUNS);
  });
});
