#!/usr/bin/env node
// Derives the structure of MongoDB's Atlas Admin API v2 responses from its OpenAPI document: for
// every GET operation, the media types of its 200 answer and their JSON Schema (draft-07), with
// every schema they reference under `definitions`. Structure only: prose (descriptions, titles,
// external docs, code samples) is dropped; documented example values the tests feed the mappers
// are kept apart, under `examples`. The output is sorted, so a second run gives the same bytes.
//
//   node scripts/derive-api-schemas.mjs [openapi.yaml] [out.json]
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const input = resolve(root, process.argv[2] ?? '../shared/reference/atlas-admin-api-v2-keys.openapi.yaml');
const output = resolve(root, process.argv[3] ?? 'test/fixtures/atlas-admin-api-v2.schemas.json');

/** The documented example values the property tests use: definition → properties. */
const KEPT_EXAMPLES = {
  ApiKeyUserDetails: ['privateKey', 'publicKey'],
  GroupServiceAccount: ['clientId'],
  OrgServiceAccount: ['clientId'],
  ServiceAccountIPAccessListEntry: ['cidrBlock', 'ipAddress', 'lastUsedAddress'],
  ServiceAccountSecret: ['maskedSecretValue'],
  UserAccessListResponse: ['cidrBlock', 'ipAddress', 'lastUsedAddress'],
};

/** Keywords that carry over to JSON Schema draft-07 unchanged. */
const VALIDATION = new Set([
  'type', 'required', 'enum', 'pattern', 'format', 'minLength', 'maxLength', 'minimum', 'maximum', 'multipleOf',
  'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties',
]);
/** Prose and annotations: dropped. `readOnly` only matters in requests; `default` is not sent. */
const DROPPED = new Set(['description', 'example', 'examples', 'externalDocs', 'title', 'default', 'readOnly', 'deprecated']);
const SCHEMA_REF = '#/components/schemas/';

/** One OpenAPI 3.0 schema object as JSON Schema draft-07; throws on a keyword it does not know. */
function convert(node, where) {
  if (typeof node !== 'object' || node === null) throw new Error(`${where}: not a schema`);
  if ('$ref' in node) {
    if (!node.$ref.startsWith(SCHEMA_REF)) throw new Error(`${where}: unsupported $ref ${node.$ref}`);
    return { $ref: `#/definitions/${node.$ref.slice(SCHEMA_REF.length)}` };
  }
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (VALIDATION.has(key)) out[key] = value;
    else if (key === 'properties') {
      out.properties = {};
      for (const [name, property] of Object.entries(value)) {
        // A write-only property is never in a response.
        if (property.writeOnly !== true) out.properties[name] = convert(property, `${where}.${name}`);
      }
    } else if (key === 'items' || key === 'not') out[key] = convert(value, `${where}[]`);
    else if (key === 'additionalProperties') out[key] = typeof value === 'boolean' ? value : convert(value, `${where}{}`);
    else if (key === 'allOf' || key === 'oneOf' || key === 'anyOf') out[key] = value.map((part, i) => convert(part, `${where}/${key}/${i}`));
    else if (key === 'exclusiveMinimum' || key === 'exclusiveMaximum') {
      // OpenAPI 3.0 flags the bound; draft-07 gives the exclusive bound itself.
      const bound = key === 'exclusiveMinimum' ? 'minimum' : 'maximum';
      if (value === true) out[key] = node[bound];
    } else if (key === 'nullable' || key === 'writeOnly' || DROPPED.has(key) || key.startsWith('x-')) continue;
    else throw new Error(`${where}: unhandled keyword ${key}`);
  }
  if (out.exclusiveMinimum !== undefined) delete out.minimum;
  if (out.exclusiveMaximum !== undefined) delete out.maximum;
  if (Array.isArray(out.required)) out.required = [...out.required].sort();
  if (node.nullable === true) {
    if (out.type !== undefined) out.type = [...[out.type].flat(), 'null'];
    if (out.enum !== undefined) out.enum = [...out.enum, null];
  }
  return out;
}

/** The names of the component schemas a converted schema refers to. */
function refsOf(schema, found = new Set()) {
  if (Array.isArray(schema)) for (const part of schema) refsOf(part, found);
  else if (typeof schema === 'object' && schema !== null) {
    for (const [key, value] of Object.entries(schema)) {
      if (key === '$ref') found.add(value.slice('#/definitions/'.length));
      else refsOf(value, found);
    }
  }
  return found;
}

/** A copy with every object's keys sorted (arrays keep their order). */
function sorted(value) {
  if (Array.isArray(value)) return value.map(sorted);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sorted(value[key])]));
}

const text = readFileSync(input, 'utf8');
const document = parse(text);
const components = document.components?.schemas ?? {};

const operations = {};
const wanted = new Set();
for (const [path, item] of Object.entries(document.paths ?? {})) {
  const get = item.get;
  if (get === undefined) continue;
  const content = get.responses?.['200']?.content ?? {};
  const responses = {};
  for (const [mediaType, body] of Object.entries(content)) {
    responses[mediaType] = convert(body.schema, `${path} ${mediaType}`);
    for (const name of refsOf(responses[mediaType])) wanted.add(name);
  }
  operations[path] = { operationId: get.operationId, responses };
}

const definitions = {};
const pending = [...wanted];
while (pending.length > 0) {
  const name = pending.pop();
  if (definitions[name] !== undefined) continue;
  if (components[name] === undefined) throw new Error(`$ref to a missing schema: ${name}`);
  definitions[name] = convert(components[name], name);
  for (const ref of refsOf(definitions[name])) if (definitions[ref] === undefined) pending.push(ref);
}

const examples = {};
for (const [name, properties] of Object.entries(KEPT_EXAMPLES)) {
  for (const property of properties) {
    const example = components[name]?.properties?.[property]?.example;
    if (example === undefined) throw new Error(`no example for ${name}.${property}`);
    (examples[name] ??= {})[property] = example;
  }
}

const fixture = {
  $comment: `Derived by scripts/derive-api-schemas.mjs (npm run schemas); do not edit by hand.`,
  source: {
    file: relative(root, input).split('/').pop(),
    sha256: createHash('sha256').update(text).digest('hex'),
    'x-xgen-sha': document.info?.['x-xgen-sha'] ?? null,
  },
  operations,
  definitions,
  examples,
};
writeFileSync(output, `${JSON.stringify(sorted(fixture), null, 2)}\n`);
process.stdout.write(`${relative(root, output)}: ${Object.keys(operations).length} operations, ${Object.keys(definitions).length} definitions\n`);
