/**
 * Changes to a live data set while the simulator serves it, each with the event the API would
 * record: programmatic keys created and deleted, their roles and access lists changed, the
 * organisation's API access list requirement switched, service account secrets added and deleted,
 * service account roles and access lists changed.
 * Tests call the steps directly; the simulator's mutation mode calls {@link DatasetMutator.step}
 * on a timer. The same seed, data set and clock give the same changes.
 *
 * The credentials of the data set are never taken away: their keys are not deleted, their access
 * lists not shortened, their secrets not deleted.
 */
import type { Dataset, SimOrg, SimProject } from './dataset/index.js';
import { chronological, consoleActors, whitelistEntryOf, type EventActor, type SimEvent } from './dataset/events.js';
import { deriveSecret, deriveServiceAccountSecret, ID_KINDS, IdFactory, PublicKeys } from './dataset/ids.js';
import { redactPrivateKey } from './dataset/organizations.js';
import { maskServiceAccountSecret } from './dataset/service-accounts.js';
import { DAY, isoSeconds } from './dataset/time.js';
import { documentationIp, pick, randomStream, type Random } from './random.js';

/** How a {@link DatasetMutator} makes its changes. */
export interface DatasetMutatorOptions {
  /** Seeds the ids, public keys, addresses and the choices of {@link DatasetMutator.step}; default 1. */
  seed?: number;
  /** The time of each change, Unix ms; default `Date.now`. */
  clock?: () => number;
}

/** The kinds of change {@link DatasetMutator.step} makes, in the order it makes them. */
export const MUTATION_STEPS = [
  'createApiKey',
  'addAccessListEntry',
  'changeApiKeyRoles',
  'setAccessListRequired',
  'addServiceAccountSecret',
  'addOpenAccessListEntry',
  'addServiceAccountAccessListEntry',
  'removeAccessListEntry',
  'deleteApiKey',
  'changeServiceAccountRoles',
  'deleteServiceAccountSecret',
  'removeServiceAccountAccessListEntry',
  'setAccessListRequired',
] as const;

export type MutationStep = (typeof MUTATION_STEPS)[number];

/** One change {@link DatasetMutator.step} made. */
export interface Mutation {
  step: MutationStep;
  orgId: string;
  /** The events it recorded. */
  events: SimEvent[];
}

/** What a change names besides its organisation. */
export interface MutationActorOption {
  /** Who makes the change; default the next console user of the data set. */
  actor?: EventActor;
}

const ORG_ROLES = ['ORG_READ_ONLY', 'ORG_MEMBER', 'ORG_OWNER', 'ORG_BILLING_ADMIN', 'ORG_GROUP_CREATOR'] as const;
const GROUP_ROLES = ['GROUP_READ_ONLY', 'GROUP_OWNER', 'GROUP_CLUSTER_MANAGER', 'GROUP_DATA_ACCESS_READ_ONLY'] as const;
const KEY_DESCRIPTIONS = ['Created by the simulator', 'Temporary integration', 'Incident response', 'Migration job'] as const;
const OPEN_CIDR = '0.0.0.0/0';
/** Within the year the organisation's maxServiceAccountSecretValidityInHours (8760) allows. */
const SECRET_VALIDITY_MS = 90 * DAY;

/** An access list entry for a CIDR block, or for an address (stored as its `/32` with `ipAddress`). */
function accessListEntry(cidr: string): Record<string, unknown> {
  const [address, bits] = cidr.split('/');
  return bits === undefined || bits === '32' ? { cidrBlock: `${address ?? ''}/32`, ipAddress: address } : { cidrBlock: cidr };
}

/** Removes the entry of a CIDR block or address from a list; the entry, or undefined when it holds none. */
function removeEntry(entries: Record<string, unknown>[], cidr: string): Record<string, unknown> | undefined {
  const index = entries.findIndex((entry) => entry['cidrBlock'] === cidr || entry['ipAddress'] === cidr || entry['cidrBlock'] === `${cidr}/32`);
  return index === -1 ? undefined : entries.splice(index, 1)[0];
}

/** Where a key lives: the list holding it, and the trail its events go to. */
interface KeyPlace {
  key: Record<string, unknown>;
  list: Record<string, unknown>[];
  scope: string;
  groupId?: string;
}

/** Where a service account lives. */
interface AccountPlace {
  account: Record<string, unknown>;
  scope: string;
  groupId?: string;
}

export class DatasetMutator {
  readonly #dataset: () => Dataset;
  readonly #seed: number;
  readonly #clock: () => number;
  readonly #random: Random;
  readonly #eventIds: IdFactory;
  readonly #keyIds: IdFactory;
  readonly #secretIds: IdFactory;
  readonly #events: SimEvent[] = [];
  /** Ids of the keys and secrets this mutator created, oldest first: deleted before any other. */
  readonly #createdKeys: string[] = [];
  readonly #createdSecrets: string[] = [];
  #serial = 0;
  #actorIndex = 0;
  #stepIndex = 0;

  constructor(dataset: () => Dataset, options: DatasetMutatorOptions = {}) {
    this.#dataset = dataset;
    this.#seed = options.seed ?? 1;
    this.#clock = options.clock ?? Date.now;
    this.#random = randomStream(this.#seed, 'mutations');
    this.#eventIds = new IdFactory(this.#seed, ID_KINDS.mutatedEvent);
    this.#keyIds = new IdFactory(this.#seed, ID_KINDS.mutatedKey);
    this.#secretIds = new IdFactory(this.#seed, ID_KINDS.mutatedSecret);
  }

  /** The events the changes recorded, oldest first. */
  get events(): readonly SimEvent[] {
    return this.#events;
  }

  /**
   * Creates a programmatic key in the organisation (or, with `projectId`, in one of its projects)
   * with `roleNames` (default `ORG_READ_ONLY`, or `GROUP_READ_ONLY` in a project), no access list;
   * records `API_KEY_CREATED`. Returns the key as the listings show it.
   */
  createApiKey(orgId: string, options: MutationActorOption & { projectId?: string; roleNames?: readonly string[]; desc?: string } = {}): Record<string, unknown> {
    const org = this.#org(orgId);
    const at = this.#clock();
    const serial = this.#serial++;
    const label = `mutation:${this.#seed}:key:${serial}`;
    const project = options.projectId === undefined ? undefined : this.#project(org, options.projectId);
    const dataset = this.#dataset();
    const taken = [
      ...(dataset.orgs ?? []).flatMap((other) => this.#keys(other).map(({ key }) => String(key['publicKey']))),
      ...dataset.credentials.map((credential) => credential.publicKey),
      ...(dataset.globalApiKeys ?? []).map((key) => String(key['publicKey'])),
      ...(dataset.orgCredentials ?? []).flatMap((credential) => (credential.kind === 'digest' ? [credential.publicKey] : [])),
    ];
    const key: Record<string, unknown> = {
      desc: options.desc ?? pick(this.#random, KEY_DESCRIPTIONS),
      id: this.#keyIds.at(at),
      privateKey: redactPrivateKey(deriveSecret(this.#seed, label)),
      publicKey: new PublicKeys(this.#seed, taken).next(label),
      roles: this.#roles(org, project, options.roleNames ?? [project === undefined ? 'ORG_READ_ONLY' : 'GROUP_READ_ONLY']),
    };
    if (project === undefined) org.programmaticKeys.push(key);
    else (project.programmaticKeys ??= []).push(key);
    this.#createdKeys.push(String(key['id']));
    const scope = project?.id ?? org.id;
    this.#record(scope, { orgId: org.id, ...(project === undefined ? {} : { groupId: project.id }), eventTypeName: 'API_KEY_CREATED', targetPublicKey: String(key['publicKey']) }, at, options.actor);
    return key;
  }

  /** Deletes a programmatic key of the organisation or its projects, with its access list; records `API_KEY_DELETED`. */
  deleteApiKey(orgId: string, keyId: string, options: MutationActorOption = {}): void {
    const org = this.#org(orgId);
    const place = this.#key(org, keyId);
    if (this.#isCredential(place.key)) throw new Error(`key ${keyId} is a credential of the data set; it is not deleted`);
    place.list.splice(place.list.indexOf(place.key), 1);
    delete org.accessLists[keyId];
    const created = this.#createdKeys.indexOf(keyId);
    if (created !== -1) this.#createdKeys.splice(created, 1);
    this.#record(place.scope, this.#keyTarget(org, place, 'API_KEY_DELETED'), this.#clock(), options.actor);
  }

  /** Gives a key these roles (organisation roles, or project roles for a project's key); records `API_KEY_ROLES_CHANGED`. */
  setApiKeyRoles(orgId: string, keyId: string, roleNames: readonly string[], options: MutationActorOption = {}): Record<string, unknown> {
    const org = this.#org(orgId);
    const place = this.#key(org, keyId);
    const project = place.groupId === undefined ? undefined : this.#project(org, place.groupId);
    place.key['roles'] = this.#roles(org, project, roleNames);
    this.#record(place.scope, this.#keyTarget(org, place, 'API_KEY_ROLES_CHANGED'), this.#clock(), options.actor);
    return place.key;
  }

  /**
   * Adds an entry to a key's access list: a CIDR block, or an address (stored as its `/32` with
   * `ipAddress`); records `API_KEY_ACCESS_LIST_ENTRY_ADDED` naming it. Returns the entry.
   */
  addAccessListEntry(orgId: string, keyId: string, cidr: string, options: MutationActorOption = {}): Record<string, unknown> {
    const org = this.#org(orgId);
    const place = this.#key(org, keyId);
    const at = this.#clock();
    const entry: Record<string, unknown> = { ...accessListEntry(cidr), created: isoSeconds(at) };
    const entries = (org.accessLists[keyId] ??= []);
    if (entries.some((existing) => existing['cidrBlock'] === entry['cidrBlock'])) throw new Error(`${cidr} is already in the access list of key ${keyId}`);
    entries.push(entry);
    this.#record(place.scope, { ...this.#keyTarget(org, place, 'API_KEY_ACCESS_LIST_ENTRY_ADDED'), whitelistEntry: whitelistEntryOf(entry) }, at, options.actor);
    return entry;
  }

  /** Removes an entry (by its CIDR block or address) from a key's access list; records `API_KEY_ACCESS_LIST_ENTRY_DELETED`. */
  removeAccessListEntry(orgId: string, keyId: string, cidr: string, options: MutationActorOption = {}): void {
    const org = this.#org(orgId);
    const place = this.#key(org, keyId);
    const entries = org.accessLists[keyId] ?? [];
    const entry = removeEntry(entries, cidr);
    if (entry === undefined) throw new Error(`${cidr} is not in the access list of key ${keyId}`);
    if (entries.length === 0) delete org.accessLists[keyId];
    this.#record(place.scope, { ...this.#keyTarget(org, place, 'API_KEY_ACCESS_LIST_ENTRY_DELETED'), whitelistEntry: whitelistEntryOf(entry) }, this.#clock(), options.actor);
  }

  /**
   * Sets the organisation's `apiAccessListRequired`; when that changes it, records
   * `ORG_PUBLIC_API_ACCESS_LIST_REQUIRED` or `…_NOT_REQUIRED` and returns the event.
   */
  setAccessListRequired(orgId: string, required: boolean, options: MutationActorOption = {}): SimEvent | undefined {
    const org = this.#org(orgId);
    if (org.apiAccessListRequired === required) return undefined;
    org.apiAccessListRequired = required;
    const type = required ? 'ORG_PUBLIC_API_ACCESS_LIST_REQUIRED' : 'ORG_PUBLIC_API_ACCESS_LIST_NOT_REQUIRED';
    return this.#record(org.id, { orgId: org.id, eventTypeName: type }, this.#clock(), options.actor);
  }

  /**
   * Adds an entry (a CIDR block, or an address stored as its `/32`) to a service account's access
   * list; records `SERVICE_ACCOUNT_ACCESS_LIST_ENTRY_ADDED` naming it. Returns the entry.
   */
  addServiceAccountAccessListEntry(orgId: string, clientId: string, cidr: string, options: MutationActorOption = {}): Record<string, unknown> {
    const org = this.#org(orgId);
    const place = this.#account(org, clientId);
    const at = this.#clock();
    const entry: Record<string, unknown> = { ...accessListEntry(cidr), createdAt: isoSeconds(at) };
    const entries = (org.serviceAccountAccessLists[clientId] ??= []);
    if (entries.some((existing) => existing['cidrBlock'] === entry['cidrBlock'])) throw new Error(`${cidr} is already in the access list of service account ${clientId}`);
    entries.push(entry);
    this.#record(place.scope, { ...this.#accountTarget(org, place, 'SERVICE_ACCOUNT_ACCESS_LIST_ENTRY_ADDED'), whitelistEntry: whitelistEntryOf(entry) }, at, options.actor);
    return entry;
  }

  /** Removes an entry (by its CIDR block or address) from a service account's access list; records `SERVICE_ACCOUNT_ACCESS_LIST_ENTRY_DELETED`. */
  removeServiceAccountAccessListEntry(orgId: string, clientId: string, cidr: string, options: MutationActorOption = {}): void {
    const org = this.#org(orgId);
    const place = this.#account(org, clientId);
    const entries = org.serviceAccountAccessLists[clientId] ?? [];
    const entry = removeEntry(entries, cidr);
    if (entry === undefined) throw new Error(`${cidr} is not in the access list of service account ${clientId}`);
    if (entries.length === 0) delete org.serviceAccountAccessLists[clientId];
    this.#record(place.scope, { ...this.#accountTarget(org, place, 'SERVICE_ACCOUNT_ACCESS_LIST_ENTRY_DELETED'), whitelistEntry: whitelistEntryOf(entry) }, this.#clock(), options.actor);
  }

  /** Gives a service account these roles (organisation roles, or project roles for a project's account); records `SERVICE_ACCOUNT_ROLES_CHANGED`. */
  setServiceAccountRoles(orgId: string, clientId: string, roleNames: readonly string[], options: MutationActorOption = {}): Record<string, unknown> {
    const org = this.#org(orgId);
    const place = this.#account(org, clientId);
    place.account['roles'] = [...roleNames];
    this.#record(place.scope, this.#accountTarget(org, place, 'SERVICE_ACCOUNT_ROLES_CHANGED'), this.#clock(), options.actor);
    return place.account;
  }

  /**
   * Adds a secret (valid 90 days) to a service account of the organisation or its projects;
   * records `SERVICE_ACCOUNT_SECRET_ADDED` at its `createdAt`. Returns the secret as the listings show it.
   */
  addServiceAccountSecret(orgId: string, clientId: string, options: MutationActorOption = {}): Record<string, unknown> {
    const org = this.#org(orgId);
    const place = this.#account(org, clientId);
    const at = Math.floor(this.#clock() / 1000) * 1000;
    const secret: Record<string, unknown> = {
      createdAt: isoSeconds(at),
      expiresAt: isoSeconds(at + SECRET_VALIDITY_MS),
      id: this.#secretIds.at(at),
      maskedSecretValue: maskServiceAccountSecret(deriveServiceAccountSecret(this.#seed, `mutation:${this.#seed}:secret:${this.#serial++}`)),
    };
    ((place.account['secrets'] ??= []) as Record<string, unknown>[]).push(secret);
    this.#createdSecrets.push(String(secret['id']));
    this.#record(place.scope, this.#accountTarget(org, place, 'SERVICE_ACCOUNT_SECRET_ADDED'), at, options.actor);
    return secret;
  }

  /** Deletes a secret of a service account (never a credential's own); records `SERVICE_ACCOUNT_SECRET_DELETED`. */
  deleteServiceAccountSecret(orgId: string, clientId: string, secretId: string, options: MutationActorOption = {}): void {
    const org = this.#org(orgId);
    const place = this.#account(org, clientId);
    const secrets = (place.account['secrets'] ?? []) as Record<string, unknown>[];
    const index = secrets.findIndex((secret) => secret['id'] === secretId);
    if (index === -1) throw new Error(`service account ${clientId} has no secret ${secretId}`);
    if (index === 0 && this.#isOAuthCredential(clientId)) throw new Error(`secret ${secretId} is the credential of service account ${clientId}; it is not deleted`);
    secrets.splice(index, 1);
    const created = this.#createdSecrets.indexOf(secretId);
    if (created !== -1) this.#createdSecrets.splice(created, 1);
    this.#record(place.scope, this.#accountTarget(org, place, 'SERVICE_ACCOUNT_SECRET_DELETED'), this.#clock(), options.actor);
  }

  /**
   * The next change of the {@link MUTATION_STEPS} cycle, in an organisation and on a target the
   * seed picks; a step with nothing to change (no key to delete) gives way to the next one.
   * Undefined when the data set has no organisation to change.
   */
  step(): Mutation | undefined {
    const orgs = (this.#dataset().orgs ?? []).filter((org) => org.isDeleted !== true);
    if (orgs.length === 0) return undefined;
    const org = pick(this.#random, orgs);
    for (let tried = 0; tried < MUTATION_STEPS.length; tried++) {
      const step = MUTATION_STEPS[this.#stepIndex++ % MUTATION_STEPS.length] ?? 'createApiKey';
      const before = this.#events.length;
      if (this.#apply(step, org)) return { step, orgId: org.id, events: this.#events.slice(before) };
    }
    return undefined;
  }

  /** Makes one step in `org`; false when it has nothing to change there. */
  #apply(step: MutationStep, org: SimOrg): boolean {
    const random = this.#random;
    const changeable = this.#keys(org).filter(({ key }) => !this.#isCredential(key));
    switch (step) {
      case 'createApiKey':
        this.createApiKey(org.id, { roleNames: [pick(random, ORG_ROLES)] });
        return true;
      case 'addAccessListEntry':
      case 'addOpenAccessListEntry': {
        const open = step === 'addOpenAccessListEntry';
        const candidates = changeable.filter(({ key }) => !open || !(org.accessLists[String(key['id'])] ?? []).some((entry) => entry['cidrBlock'] === OPEN_CIDR));
        if (candidates.length === 0) return false;
        const keyId = String(pick(random, candidates).key['id']);
        let cidr = open ? OPEN_CIDR : documentationIp(random);
        while ((org.accessLists[keyId] ?? []).some((entry) => entry['cidrBlock'] === cidr || entry['ipAddress'] === cidr)) cidr = documentationIp(random);
        this.addAccessListEntry(org.id, keyId, cidr);
        return true;
      }
      case 'removeAccessListEntry': {
        const candidates = changeable.filter(({ key }) => (org.accessLists[String(key['id'])] ?? []).length > 0);
        if (candidates.length === 0) return false;
        const keyId = String(pick(random, candidates).key['id']);
        const entry = pick(random, org.accessLists[keyId] ?? []);
        this.removeAccessListEntry(org.id, keyId, String(entry['cidrBlock']));
        return true;
      }
      case 'changeApiKeyRoles': {
        if (changeable.length === 0) return false;
        const place = pick(random, changeable);
        const current = ((place.key['roles'] ?? []) as Record<string, unknown>[]).map((role) => role['roleName']);
        const roles = place.groupId === undefined ? ORG_ROLES : GROUP_ROLES;
        const next = roles.filter((role) => !current.includes(role));
        this.setApiKeyRoles(org.id, String(place.key['id']), [pick(random, next.length > 0 ? next : roles)]);
        return true;
      }
      case 'deleteApiKey': {
        const created = changeable.find(({ key }) => this.#createdKeys.includes(String(key['id'])));
        const place = created ?? changeable[0];
        if (place === undefined) return false;
        this.deleteApiKey(org.id, String(place.key['id']));
        return true;
      }
      case 'setAccessListRequired':
        return this.setAccessListRequired(org.id, org.apiAccessListRequired !== true) !== undefined;
      case 'addServiceAccountAccessListEntry': {
        const accounts = this.#accounts(org).filter(({ account }) => !this.#isOAuthCredential(String(account['clientId'])));
        if (accounts.length === 0) return false;
        const clientId = String(pick(random, accounts).account['clientId']);
        const taken = (org.serviceAccountAccessLists[clientId] ?? []).map((entry) => entry['cidrBlock']);
        const cidr = taken.includes(OPEN_CIDR) ? `${documentationIp(random)}/32` : OPEN_CIDR;
        if (taken.includes(cidr)) return false;
        this.addServiceAccountAccessListEntry(org.id, clientId, cidr);
        return true;
      }
      case 'removeServiceAccountAccessListEntry': {
        const accounts = this.#accounts(org).filter(({ account }) => !this.#isOAuthCredential(String(account['clientId'])) && (org.serviceAccountAccessLists[String(account['clientId'])] ?? []).length > 0);
        if (accounts.length === 0) return false;
        const clientId = String(pick(random, accounts).account['clientId']);
        this.removeServiceAccountAccessListEntry(org.id, clientId, String(pick(random, org.serviceAccountAccessLists[clientId] ?? [])['cidrBlock']));
        return true;
      }
      case 'changeServiceAccountRoles': {
        const accounts = this.#accounts(org).filter(({ account }) => !this.#isOAuthCredential(String(account['clientId'])));
        if (accounts.length === 0) return false;
        const place = pick(random, accounts);
        const current = (place.account['roles'] ?? []) as string[];
        const roles = place.groupId === undefined ? ORG_ROLES : GROUP_ROLES;
        const next = roles.filter((role) => !current.includes(role));
        this.setServiceAccountRoles(org.id, String(place.account['clientId']), [pick(random, next.length > 0 ? next : roles)]);
        return true;
      }
      case 'addServiceAccountSecret': {
        const accounts = this.#accounts(org);
        if (accounts.length === 0) return false;
        this.addServiceAccountSecret(org.id, String(pick(random, accounts).account['clientId']));
        return true;
      }
      case 'deleteServiceAccountSecret': {
        const deletable = this.#accounts(org).flatMap(({ account }) => {
          const clientId = String(account['clientId']);
          const secrets = (account['secrets'] ?? []) as Record<string, unknown>[];
          return secrets.flatMap((secret, s) => (secrets.length > 1 && !(s === 0 && this.#isOAuthCredential(clientId)) ? [{ clientId, secretId: String(secret['id']) }] : []));
        });
        const target = deletable.find(({ secretId }) => this.#createdSecrets.includes(secretId)) ?? deletable[0];
        if (target === undefined) return false;
        this.deleteServiceAccountSecret(org.id, target.clientId, target.secretId);
        return true;
      }
    }
  }

  #record(scope: string, fields: Omit<SimEvent, 'id' | 'created' | 'isGlobalAdmin' | 'remoteAddress'>, at: number, actor: EventActor | undefined): SimEvent {
    const dataset = this.#dataset();
    const event: SimEvent = { id: this.#eventIds.at(at), created: isoSeconds(at), isGlobalAdmin: false, remoteAddress: documentationIp(this.#random), ...(actor ?? this.#nextUser()), ...fields };
    const trails = (dataset.eventTrails ??= {});
    const trail = (trails[scope] ??= []);
    trail.push(event);
    // A clock behind the generated trail still leaves it in order.
    if (trail.length > 1 && chronological(trail[trail.length - 2] as SimEvent, event) > 0) trail.sort(chronological);
    this.#events.push(event);
    return event;
  }

  #nextUser(): EventActor {
    const actors = consoleActors(this.#seed, this.#dataset().users);
    return actors[this.#actorIndex++ % actors.length] ?? { userId: '', username: '' };
  }

  #org(orgId: string): SimOrg {
    const org = (this.#dataset().orgs ?? []).find((candidate) => candidate.id === orgId);
    if (org === undefined || org.isDeleted === true) throw new Error(`no organization ${orgId} to change`);
    return org;
  }

  #projectsOf(org: SimOrg): SimProject[] {
    return this.#dataset().projects.filter((project) => project.orgId === org.id);
  }

  #project(org: SimOrg, projectId: string): SimProject {
    const project = this.#projectsOf(org).find((candidate) => candidate.id === projectId);
    if (project === undefined) throw new Error(`organization ${org.id} has no project ${projectId}`);
    return project;
  }

  #roles(org: SimOrg, project: SimProject | undefined, roleNames: readonly string[]): Record<string, unknown>[] {
    return roleNames.map((roleName) => (project === undefined ? { orgId: org.id, roleName } : { groupId: project.id, roleName }));
  }

  /** Every programmatic key of the organisation and its projects, with where it lives. */
  #keys(org: SimOrg): KeyPlace[] {
    const places: KeyPlace[] = org.programmaticKeys.map((key) => ({ key, list: org.programmaticKeys, scope: org.id }));
    for (const project of this.#projectsOf(org)) {
      const list = project.programmaticKeys;
      if (list !== undefined) places.push(...list.map((key) => ({ key, list, scope: project.id, groupId: project.id })));
    }
    return places;
  }

  #key(org: SimOrg, keyId: string): KeyPlace {
    const place = this.#keys(org).find(({ key }) => key['id'] === keyId);
    if (place === undefined) throw new Error(`organization ${org.id} has no API key ${keyId}`);
    return place;
  }

  #keyTarget(org: SimOrg, place: KeyPlace, eventTypeName: string): Omit<SimEvent, 'id' | 'created' | 'isGlobalAdmin' | 'remoteAddress'> {
    return { orgId: org.id, ...(place.groupId === undefined ? {} : { groupId: place.groupId }), eventTypeName, targetPublicKey: String(place.key['publicKey']) };
  }

  #accountTarget(org: SimOrg, place: AccountPlace, eventTypeName: string): Omit<SimEvent, 'id' | 'created' | 'isGlobalAdmin' | 'remoteAddress'> {
    return { orgId: org.id, ...(place.groupId === undefined ? {} : { groupId: place.groupId }), eventTypeName };
  }

  /** The service accounts created in the organisation or its projects (not the system-managed ones). */
  #accounts(org: SimOrg): AccountPlace[] {
    const places: AccountPlace[] = org.serviceAccounts.map((account) => ({ account, scope: org.id }));
    for (const project of this.#projectsOf(org)) places.push(...(project.serviceAccounts ?? []).map((account) => ({ account, scope: project.id, groupId: project.id })));
    return places;
  }

  #account(org: SimOrg, clientId: string): AccountPlace {
    const place = this.#accounts(org).find(({ account }) => account['clientId'] === clientId);
    if (place === undefined) throw new Error(`organization ${org.id} has no service account ${clientId}`);
    return place;
  }

  #isCredential(key: Record<string, unknown>): boolean {
    return (this.#dataset().orgCredentials ?? []).some((credential) => credential.kind === 'digest' && credential.publicKey === key['publicKey']);
  }

  #isOAuthCredential(clientId: string): boolean {
    return (this.#dataset().orgCredentials ?? []).some((credential) => credential.kind === 'oauth' && credential.clientId === clientId);
  }
}
