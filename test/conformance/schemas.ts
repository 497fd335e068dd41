// The committed schema fixtures (test/fixtures), a validator over them, and fast-check arbitraries
// generated from them: what the conformance tests use instead of the vendor's documents.
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import fc from 'fast-check';

/** The subset of JSON Schema draft-07 the fixtures use. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  additionalProperties?: boolean | JsonSchema;
}

/** A fixture: response schemas per operation path and media type, their definitions, documented examples. */
export interface SchemaFixture {
  readonly operations: Record<string, { readonly operationId?: string; readonly responses: Record<string, JsonSchema> }>;
  readonly definitions: Record<string, JsonSchema>;
  readonly examples: Record<string, Record<string, unknown>>;
}

function load(name: string): SchemaFixture {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as SchemaFixture;
}

/** Derived from MongoDB's Atlas Admin API v2 OpenAPI document by `npm run schemas`. */
export const atlasV2 = load('atlas-admin-api-v2.schemas.json');
/** Written from the v1.0 prose pages of the two seed endpoints (user keys, agent keys). */
export const atlasV1 = load('atlas-v1-keys.schemas.json');

// RFC 3339 date-time, as OpenAPI's `format: date-time` means it.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

function newAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, verbose: true });
  ajv.addFormat('date-time', { type: 'string', validate: (value: string) => DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)) });
  ajv.addFormat('email', { type: 'string', validate: /^[^\s@]+@[^\s@]+$/ });
  ajv.addFormat('int32', { type: 'number', validate: (value: number) => Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (value: number) => Number.isInteger(value) });
  ajv.addFormat('double', { type: 'number', validate: () => true });
  return ajv;
}

const validators = new WeakMap<SchemaFixture, { ajv: Ajv; compiled: Map<string, ValidateFunction> }>();

/** A validator of `schema` (which may refer to `#/definitions/…` of the fixture). */
export function validatorFor(fixture: SchemaFixture, schema: JsonSchema): ValidateFunction {
  let entry = validators.get(fixture);
  if (entry === undefined) {
    entry = { ajv: newAjv(), compiled: new Map() };
    validators.set(fixture, entry);
  }
  const key = JSON.stringify(schema);
  let validate = entry.compiled.get(key);
  if (validate === undefined) {
    validate = entry.ajv.compile({ ...schema, definitions: fixture.definitions });
    entry.compiled.set(key, validate);
  }
  return validate;
}

/** A definition of the fixture, as a `$ref` schema. */
export function definition(name: string): JsonSchema {
  return { $ref: `#/definitions/${name}` };
}

/** One line per problem: the field (JSON pointer into the body), what is wrong with it, and the value. */
export function describeErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((error) => {
    const field = error.instancePath === '' ? '(body)' : error.instancePath;
    const value = error.keyword === 'required' ? '' : ` (got ${JSON.stringify(error.data)?.slice(0, 60) ?? 'undefined'})`;
    return `${field}: ${error.message ?? 'invalid'}${value}`;
  });
}

/** How to generate documents from a fixture. */
export interface GenerateOptions {
  /**
   * Fields always generated although the document does not require them, by definition name: the
   * identity of an item, without which no exporter can tell which key it is.
   */
  readonly identity?: Readonly<Record<string, readonly string[]>>;
  /** Extra documented values to use besides the fixture's `examples`, by definition and property. */
  readonly examples?: Readonly<Record<string, Readonly<Record<string, readonly unknown[]>>>>;
  /** Add fields the schema does not know to every object (default true). */
  readonly unknownFields?: boolean;
}

const REF = '#/definitions/';
const MAX_DEPTH = 4;
const unknownName = fc.stringMatching(/^[a-z][A-Za-z0-9_]{0,11}$/);
const unknownValue = fc.jsonValue({ maxDepth: 2 });

// fast-check cannot generate from lookahead patterns (the documented IP address one): generate
// IP addresses and keep those the pattern accepts.
function patternArbitrary(pattern: string): fc.Arbitrary<string> {
  const regex = new RegExp(pattern, 'u');
  try {
    return fc.stringMatching(regex);
  } catch {
    return fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4Extended()).filter((value) => regex.test(value));
  }
}

function stringArbitrary(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  if (schema.pattern !== undefined) {
    const maxLength = schema.maxLength ?? Infinity;
    return patternArbitrary(schema.pattern).filter((value) => [...value].length >= minLength && [...value].length <= maxLength);
  }
  const maxLength = schema.maxLength ?? Math.max(minLength, 24);
  switch (schema.format) {
    case 'date-time':
      return fc
        .tuple(fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }), fc.boolean())
        // With and without milliseconds: both are RFC 3339, the APIs print whole seconds.
        .map(([date, millis]) => (millis ? date.toISOString() : `${date.toISOString().slice(0, 19)}Z`));
    case 'email':
      return fc.emailAddress();
    default:
      return fc.string({ minLength, maxLength, unit: 'grapheme-ascii' });
  }
}

/** An arbitrary of documents valid against `schema` (a node of `fixture`). */
export function arbitraryOf(fixture: SchemaFixture, schema: JsonSchema, options: GenerateOptions = {}): fc.Arbitrary<unknown> {
  const generate = (node: JsonSchema, depth: number, owner?: string, property?: string): fc.Arbitrary<unknown> => {
    if (node.$ref !== undefined) {
      const name = node.$ref.slice(REF.length);
      const target = fixture.definitions[name];
      if (target === undefined) throw new Error(`no definition ${name}`);
      return generate(target, depth + 1, name);
    }
    const examples = [
      ...(owner !== undefined && property !== undefined && fixture.examples[owner]?.[property] !== undefined ? [fixture.examples[owner]?.[property]] : []),
      ...((owner !== undefined && property !== undefined ? options.examples?.[owner]?.[property] : undefined) ?? []),
    ];
    const base = generateBare(node, depth, owner);
    return examples.length === 0 ? base : fc.oneof(fc.constantFrom(...examples), base);
  };

  const generateBare = (node: JsonSchema, depth: number, owner: string | undefined): fc.Arbitrary<unknown> => {
    if (node.enum !== undefined) return fc.constantFrom(...node.enum);
    if (node.properties === undefined && node.anyOf !== undefined) return fc.oneof(...node.anyOf.map((part) => generate({ ...node, anyOf: undefined, ...part }, depth, owner)));
    if (Array.isArray(node.type)) return fc.oneof(...node.type.map((type) => generateBare({ ...node, type }, depth, owner)));
    const type = node.type ?? (node.properties !== undefined ? 'object' : undefined);
    switch (type) {
      case 'null':
        return fc.constant(null);
      case 'boolean':
        return fc.boolean();
      case 'string':
        return stringArbitrary(node);
      case 'integer':
        return fc.integer({ min: node.minimum ?? -(2 ** 31), max: node.maximum ?? 2 ** 31 - 1 });
      case 'number':
        return fc.oneof(
          fc.integer({ min: Math.ceil(node.minimum ?? -1e9), max: Math.floor(node.maximum ?? 1e9) }),
          fc.double({ min: node.minimum ?? -1e9, max: node.maximum ?? 1e9, noNaN: true, noDefaultInfinity: true }),
        );
      case 'array': {
        const item = node.items === undefined ? unknownValue : generate(node.items, depth, owner);
        const constraints = { minLength: node.minItems ?? 0, maxLength: Math.min(node.maxItems ?? 4, 4) };
        return node.uniqueItems === true ? fc.uniqueArray(item, { ...constraints, selector: (value) => JSON.stringify(value) }) : fc.array(item, constraints);
      }
      case 'object':
        return objectArbitrary(node, depth, owner);
      default:
        return unknownValue;
    }
  };

  const objectArbitrary = (node: JsonSchema, depth: number, owner: string | undefined): fc.Arbitrary<unknown> => {
    const properties = node.properties ?? {};
    // Deep recursive schemas (a principal on behalf of a principal …) stop at their required fields.
    const names = Object.keys(properties).filter((name) => depth <= MAX_DEPTH || node.required?.includes(name));
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const name of names) model[name] = generate(properties[name] ?? {}, depth, owner, name);
    const identity = owner === undefined ? [] : (options.identity?.[owner] ?? []);
    // `anyOf: [{required: [a]}, {required: [b]}]`: one of the alternatives is always there.
    const alternatives = (node.anyOf ?? []).map((part) => part.required ?? []);
    const variants = (alternatives.length === 0 ? [[]] : alternatives).map((extra) => {
      const requiredKeys = [...new Set([...(node.required ?? []), ...identity, ...extra])].filter((name) => name in model);
      return fc.record(model, { requiredKeys });
    });
    const known = variants.length === 1 ? (variants[0] as fc.Arbitrary<Record<string, unknown>>) : fc.oneof(...variants);
    if (options.unknownFields === false || node.additionalProperties === false) return known;
    const unknown = fc.dictionary(unknownName.filter((name) => !(name in properties)), unknownValue, { maxKeys: 3 });
    return fc.tuple(known, unknown).map(([fields, extra]) => ({ ...extra, ...fields }));
  };

  return generate(schema, 0);
}
