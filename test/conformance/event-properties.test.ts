// The events parser reads whatever the document allows: events generated from the schema fixture
// (EventViewForOrg, EventViewForNdsGroup; optional fields dropped at random, unknown fields added)
// are kept when they carry the three fields api-facts.md names required, ignored when their type is
// not one the exporter knows, and described, never thrown, when they lack a required field.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pageSchema } from '../../src/atlas/paging.js';
import { EVENT_TYPES } from '../../src/model/event.js';
import { parseEvents } from '../../src/sources/events.js';
import { arbitraryOf, atlasV2, definition, describeErrors, validatorFor, type GenerateOptions } from './schemas.js';

const RUNS = { numRuns: 100 };
const KNOWN: ReadonlySet<string> = new Set(EVENT_TYPES);
const EVENT_VIEWS = ['EventViewForOrg', 'EventViewForNdsGroup'] as const;
/** `id`, `created` and `eventTypeName` are required by the document (api-facts.md); the derived fixture lists none. */
const REQUIRED = ['id', 'created', 'eventTypeName'];

/** Events valid against a definition of the fixture, their type drawn from `types`. */
function events(name: string, types: fc.Arbitrary<string>, identity: readonly string[] = REQUIRED): fc.Arbitrary<Record<string, unknown>[]> {
  const schema = definition(name);
  const validate = validatorFor(atlasV2, schema);
  const options: GenerateOptions = { identity: { [name]: identity } };
  const event = fc.tuple(arbitraryOf(atlasV2, schema, options), types).map(([value, type]) => {
    const item = { ...(value as Record<string, unknown>), ...('eventTypeName' in (value as object) || identity.includes('eventTypeName') ? { eventTypeName: type } : {}) };
    if (!validate(item)) throw new Error(`the generator made an invalid ${name}: ${describeErrors(validate.errors).join('; ')}`);
    return item;
  });
  return fc.array(event, { maxLength: 8 });
}

const knownType = fc.constantFrom(...EVENT_TYPES);
const unknownType = fc.oneof(fc.constantFrom('CLUSTER_CREATED', 'JOINED_ORG', 'API_KEY_SOMETHING_NEW'), fc.string({ maxLength: 20 })).filter((type) => !KNOWN.has(type));

describe.each(EVENT_VIEWS)('parseEvents reads every %s the document allows', (name) => {
  it('keeps every event of a known type, in order, with its id, type and time', () => {
    fc.assert(
      fc.property(events(name, knownType), (items) => {
        const parsed = parseEvents(items);
        expect(parsed.invalid).toEqual([]);
        expect(parsed.events.map((event) => [event.id, event.type, event.createdAt])).toEqual(items.map((item) => [item['id'], item['eventTypeName'], Date.parse(item['created'] as string)]));
      }),
      RUNS,
    );
  });

  it('reads the actor, the address and the target where the event has them', () => {
    fc.assert(
      fc.property(events(name, knownType), (items) => {
        parseEvents(items).events.forEach((event, index) => {
          const item = items[index]!;
          const given = (field: string): unknown => (item[field] === '' ? undefined : item[field]);
          expect([event.username, event.publicKey, event.remoteAddress, event.targetPublicKey, event.targetUsername, event.accessListEntry, event.orgId, event.projectId]).toEqual(
            ['username', 'publicKey', 'remoteAddress', 'targetPublicKey', 'targetUsername', 'whitelistEntry', 'orgId', 'groupId'].map(given),
          );
        });
      }),
      RUNS,
    );
  });

  it('ignores events of a type it does not know, without an error', () => {
    fc.assert(
      fc.property(events(name, unknownType), (items) => {
        expect(parseEvents(items)).toEqual({ events: [], invalid: [], unknown: items.length });
      }),
      RUNS,
    );
  });

  it('with any field dropped: never throws, accounts for every item, keeps each that has the required fields', () => {
    fc.assert(
      fc.property(events(name, fc.oneof(knownType, unknownType), []), (items) => {
        const parsed = parseEvents(items);
        expect(parsed.events.length + parsed.invalid.length + parsed.unknown).toBe(items.length);
        const complete = items.filter((item) => KNOWN.has(item['eventTypeName'] as string) && typeof item['id'] === 'string' && item['id'] !== '' && typeof item['created'] === 'string');
        expect(parsed.events.map((event) => event.id)).toEqual(complete.map((item) => item['id']));
      }),
      RUNS,
    );
  });
});

describe('the events pages', () => {
  it.each(['OrgPaginatedEvent', 'GroupPaginatedEvent'])('%s reads as a page of the client', (name) => {
    fc.assert(
      fc.property(arbitraryOf(atlasV2, definition(name), { identity: { EventViewForOrg: REQUIRED, EventViewForNdsGroup: REQUIRED } }), (page) => {
        expect(pageSchema.safeParse(page).success).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
