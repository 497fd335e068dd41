import { describe, expect, it } from 'vitest';
import type { ApiKey } from '../../../src/model/api-key.js';
import type { EventTrail, KeyEvent } from '../../../src/model/event.js';
import type { Scope } from '../../../src/model/scope.js';
import type { ScopeFailure } from '../../../src/model/snapshot.js';
import { creationIndex, creationOf, creationsOf, SECRET_EVENT_MATCH_MS, withCreation } from '../../../src/poller/enrich.js';
import { nextSnapshot, type Polled } from '../../../src/poller/next-snapshot.js';

const MINUTE = 60_000;
const STALE = 60 * MINUTE;
const NOW = Date.parse('2025-06-01T12:00:00Z');
const ORG = '4888442a3354817a7320eb61';

const org: Scope = { kind: 'programmatic', owner: 'org', id: ORG, credentialId: 'c' };
const accounts: Scope = { kind: 'service_account', owner: 'org', id: ORG, credentialId: 'c' };

const KEY: ApiKey = { id: '5f24a2c9b1e6a77c1d3a0f11', description: 'terraform', suffix: '9e9e', publicKey: 'zmmrboas', roles: [] };
const OTHER_KEY: ApiKey = { id: '5f24a2c9b1e6a77c1d3a0f12', description: 'ci', suffix: '1234', publicKey: 'qwertyui', roles: [] };
const SECRET: ApiKey = { id: '6655e1f8c2a1b34d5e6f7a80', description: 'CI', suffix: 'b7c1', createdAt: NOW - 10 * MINUTE, clientId: 'mdb_sa_id_1', accountName: 'ci', tracksUse: true };

const created: KeyEvent = {
  id: 'e1',
  type: 'API_KEY_CREATED',
  createdAt: NOW - 30 * MINUTE,
  username: 'alice@example.com',
  userId: '5af9a1d29cc0cdb6ac0bf3f8',
  remoteAddress: '198.51.100.7',
  targetPublicKey: 'zmmrboas',
};
const byKey: KeyEvent = { id: 'e2', type: 'API_KEY_CREATED', createdAt: NOW - 20 * MINUTE, publicKey: 'adminkey', remoteAddress: '203.0.113.9', targetPublicKey: 'qwertyui' };
const secretAdded: KeyEvent = { id: 'e3', type: 'SERVICE_ACCOUNT_SECRET_ADDED', createdAt: NOW - 10 * MINUTE + 2_000, username: 'bob@example.com', remoteAddress: '192.0.2.1', targetUsername: 'mdb_sa_id_1' };

const trailWith = (creations: readonly KeyEvent[]): EventTrail => ({ orgId: ORG, credentialId: 'c', up: true, recent: [], newest: {}, creations });
const ok = (scope: Scope, keys: readonly ApiKey[]): Polled => ({ scope, outcome: { ok: true, keys } });
const failed = (scope: Scope, failure: ScopeFailure): Polled => ({ scope, outcome: { ok: false, failure } });
const timeout: ScopeFailure = { reason: 'timeout', message: 'timed out' };

describe('matching creation events to keys', () => {
  const index = creationIndex([trailWith([created, byKey, secretAdded])]);

  it("a programmatic key by its public key (the event's targetPublicKey)", () => {
    expect(creationOf(KEY, org, index)).toBe(created);
    expect(creationOf(OTHER_KEY, org, index)).toBe(byKey);
    expect(creationOf({ ...KEY, publicKey: 'unknown1' }, org, index)).toBeUndefined();
    expect(creationOf({ ...KEY, publicKey: undefined } as ApiKey, org, index)).toBeUndefined();
  });

  it(`a service-account secret by its account (targetUsername = client id) and its creation time, within ${SECRET_EVENT_MATCH_MS / 1000} s`, () => {
    expect(creationOf(SECRET, accounts, index)).toBe(secretAdded);
    expect(creationOf({ ...SECRET, createdAt: NOW - 10 * MINUTE - SECRET_EVENT_MATCH_MS - 1 }, accounts, index)).toBeUndefined();
    expect(creationOf({ ...SECRET, clientId: 'mdb_sa_id_2' }, accounts, index)).toBeUndefined();
  });

  it('a secret by its time alone where the event names no account (as no documented field does), in the trail of its scope', () => {
    const unnamed: KeyEvent = { ...secretAdded, id: 'e5', targetUsername: undefined } as KeyEvent;
    delete (unnamed as { targetUsername?: string }).targetUsername;
    const inOrg = creationIndex([trailWith([unnamed])]);
    expect(creationOf(SECRET, accounts, inOrg)).toBe(unnamed);
    expect(creationOf({ ...SECRET, clientId: 'mdb_sa_id_2' }, accounts, inOrg)).toBe(unnamed);
    // An account a project lists is matched in that project's trail, not its organisation's.
    const projectAccounts: Scope = { kind: 'service_account', owner: 'project', id: '5e2211c17a3e5a48f5497de5', orgId: ORG, credentialId: 'c' };
    expect(creationOf(SECRET, projectAccounts, inOrg)).toBeUndefined();
    const inProject = creationIndex([{ ...trailWith([unnamed]), projectId: projectAccounts.id }]);
    expect(creationOf(SECRET, projectAccounts, inProject)).toBe(unnamed);
    expect(creationOf(SECRET, accounts, inProject)).toBeUndefined();
  });

  it('two secrets added in the same seconds get no facts: neither event can be told to be whose', () => {
    const second: KeyEvent = { ...secretAdded, id: 'e4', createdAt: NOW - 10 * MINUTE + 4_000, username: 'carol@example.com' };
    expect(creationOf(SECRET, accounts, creationIndex([trailWith([secretAdded, second])]))).toBeUndefined();
    const unnamed: KeyEvent = { id: 'e6', type: 'SERVICE_ACCOUNT_SECRET_ADDED', createdAt: NOW - 10 * MINUTE, username: 'bob@example.com' };
    const index = creationIndex([trailWith([unnamed])]);
    const another: ApiKey = { ...SECRET, id: '6655e1f8c2a1b34d5e6f7a81', clientId: 'mdb_sa_id_2', createdAt: NOW - 10 * MINUTE + 1_000 };
    expect(creationsOf([SECRET, another], accounts, index)).toEqual([undefined, undefined]);
    expect(creationsOf([SECRET, { ...another, createdAt: NOW }], accounts, index)).toEqual([unnamed, undefined]);
  });

  it('no other kind is matched', () => {
    expect(creationOf(KEY, { kind: 'user', owner: 'user', id: ORG }, index)).toBeUndefined();
    expect(creationOf(SECRET, { kind: 'agent', owner: 'project', id: ORG }, index)).toBeUndefined();
  });
});

describe('withCreation', () => {
  it('gives a programmatic key its creation time, creator and address', () => {
    expect(withCreation(KEY, created)).toEqual({ ...KEY, createdAt: NOW - 30 * MINUTE, createdBy: 'alice@example.com', createdUserId: '5af9a1d29cc0cdb6ac0bf3f8', createdIp: '198.51.100.7' });
  });

  it('names the API key that created a key by its public key', () => {
    expect(withCreation(OTHER_KEY, byKey)).toEqual({ ...OTHER_KEY, createdAt: NOW - 20 * MINUTE, createdBy: 'adminkey', createdIp: '203.0.113.9' });
  });

  it("keeps what the listing gives: a secret's own createdAt", () => {
    expect(withCreation(SECRET, secretAdded)).toEqual({ ...SECRET, createdBy: 'bob@example.com', createdIp: '192.0.2.1' });
  });

  it('is the same object without an event', () => {
    expect(withCreation(KEY, undefined)).toBe(KEY);
  });
});

describe('nextSnapshot with trails', () => {
  it('publishes programmatic keys and secrets with their creation facts', () => {
    const snapshot = nextSnapshot(undefined, [ok(org, [KEY, OTHER_KEY]), ok(accounts, [SECRET])], NOW, STALE, [trailWith([created, secretAdded])]);
    expect(snapshot.scopes[0]?.keys).toEqual([withCreation(KEY, created), OTHER_KEY]);
    expect(snapshot.scopes[1]?.keys).toEqual([withCreation(SECRET, secretAdded)]);
    expect(snapshot.trails[0]?.creations).toEqual([created, secretAdded]);
  });

  it('keeps the creation facts of listed keys only, but those newer than the last cycle', () => {
    const deletedKey: KeyEvent = { ...created, id: 'e9', targetPublicKey: 'deletedk', createdAt: NOW - 50 * MINUTE };
    const first = nextSnapshot(undefined, [ok(org, [KEY])], NOW, STALE, [trailWith([created, deletedKey])]);
    expect(first.trails[0]?.creations).toEqual([created]);
    // Created after the last cycle ended: its key may not have been listed yet.
    const brandNew: KeyEvent = { ...created, id: 'e10', targetPublicKey: 'brandnew', createdAt: NOW + 30_000 };
    const second = nextSnapshot(first, [ok(org, [KEY])], NOW + MINUTE, STALE, [trailWith([created, brandNew])]);
    expect(second.trails[0]?.creations).toEqual([created, brandNew]);
    const third = nextSnapshot(second, [ok(org, [KEY])], NOW + 2 * MINUTE, STALE, second.trails);
    expect(third.trails[0]?.creations).toEqual([created]);
  });

  it("keeps every creation fact of an organisation whose keys are unknown (its listing failed, nothing kept)", () => {
    const snapshot = nextSnapshot(undefined, [failed(org, timeout)], NOW, STALE, [trailWith([created, byKey])]);
    expect(snapshot.trails[0]?.creations).toEqual([created, byKey]);
  });

  it('a key kept through a failed poll keeps its creation facts', () => {
    const first = nextSnapshot(undefined, [ok(org, [KEY])], NOW, STALE, [trailWith([created])]);
    const second = nextSnapshot(first, [failed(org, timeout)], NOW + MINUTE, STALE, [trailWith([])]);
    expect(second.scopes[0]?.keys).toEqual([withCreation(KEY, created)]);
  });
});
