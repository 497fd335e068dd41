import { describe, expect, it } from 'vitest';
import { InvalidResponseError } from '../../../src/errors/invalid-response-error.js';
import { keyAccessListEntrySchema, summariseAccessList } from '../../../src/sources/access-list.js';
import { mapProgrammaticKeys, withoutUnidentified } from '../../../src/sources/programmatic-keys.js';
import { thrownBy } from '../../helpers/thrown.js';

const URL = 'https://cloud.mongodb.com/api/atlas/v2/orgs/4888442a3354817a7320eb61/apiKeys';
const ORG = '4888442a3354817a7320eb61';

// The shape of the Admin API v2 example for GET /orgs/{orgId}/apiKeys.
const KEY = {
  desc: 'Automation for the billing service',
  id: '32b6e34b3d91647abb20e7b8',
  links: [{ href: 'https://cloud.mongodb.com/api/atlas', rel: 'self' }],
  privateKey: '********-****-****-db2c132ca78d',
  publicKey: 'zmmrboas',
  roles: [
    { orgId: ORG, roleName: 'ORG_OWNER' },
    { groupId: '32b6e34b3d91647abb20e7b9', roleName: 'GROUP_READ_ONLY' },
  ],
};

const entries = (...items: unknown[]) => items.map((item) => keyAccessListEntrySchema.parse(item));

describe('mapProgrammaticKeys', () => {
  it('maps the documented shape: description, public key, suffix of the redacted private key, roles', () => {
    expect(mapProgrammaticKeys([KEY], URL)).toEqual([
      {
        id: '32b6e34b3d91647abb20e7b8',
        description: 'Automation for the billing service',
        suffix: 'a78d',
        publicKey: 'zmmrboas',
        roles: [
          { name: 'ORG_OWNER', orgId: ORG },
          { name: 'GROUP_READ_ONLY', projectId: '32b6e34b3d91647abb20e7b9' },
        ],
      },
    ]);
  });

  it('takes last use and reach from the access list, and no total use from its counts', () => {
    const usage = summariseAccessList(entries({ cidrBlock: '0.0.0.0/0', lastUsed: '2023-11-14T22:13:20Z', lastUsedAddress: '198.51.100.7', count: 9 }), true);
    const [key] = mapProgrammaticKeys([KEY], URL, new Map([[KEY.id, usage]]));
    expect(key).toMatchObject({ tracksUse: true, lastUsedAt: 1_700_000_000_000, accessList: { entries: 1, unrestricted: true } });
    expect(key).not.toHaveProperty('usedCount');
  });

  it('reads a key of which the document requires nothing: no roles, no role name, no description', () => {
    const [key] = mapProgrammaticKeys([{ id: KEY.id, roles: [{ orgId: ORG }, { roleName: 'ORG_MEMBER', orgId: ORG }] }, { id: '32b6e34b3d91647abb20e7b9' }], URL);
    expect(key).toEqual({ id: KEY.id, description: '', suffix: '', roles: [{ name: 'ORG_MEMBER', orgId: ORG }] });
    expect(mapProgrammaticKeys([{ id: '32b6e34b3d91647abb20e7b9' }], URL)[0]?.roles).toEqual([]);
  });

  it('leaves out a key without an id (nothing to name it by) and publishes the others', () => {
    const { id: _id, ...anonymous } = KEY;
    expect(mapProgrammaticKeys([anonymous, KEY, { ...KEY, id: null }], URL).map((key) => key.id)).toEqual([KEY.id]);
  });

  it('says in a log line how many keys were left out for want of an id', () => {
    const warnings: unknown[][] = [];
    const log = { warn: (...args: unknown[]) => warnings.push(args) } as never;
    const listed = [{ desc: 'no id' }, KEY];
    expect(withoutUnidentified(listed, mapProgrammaticKeys(listed, URL), URL, { log }).map((key) => key.id)).toEqual([KEY.id]);
    expect(warnings).toEqual([[{ url: URL, unidentified: 1 }, 'programmatic keys without an id are not published']]);
    withoutUnidentified([KEY], mapProgrammaticKeys([KEY], URL), URL, { log });
    expect(warnings).toHaveLength(1);
  });

  it('fails on a key it cannot read, naming item and field', () => {
    const error = thrownBy(() => mapProgrammaticKeys([KEY, { ...KEY, id: 7 }], URL), InvalidResponseError);
    expect(error.reason).toBe('invalid_response');
    expect(error.message).toContain('item 1: id');
    const role = thrownBy(() => mapProgrammaticKeys([{ ...KEY, roles: [{ roleName: 7 }] }], URL), InvalidResponseError);
    expect(role.message).toContain('item 0: roles.0.roleName');
  });
});
