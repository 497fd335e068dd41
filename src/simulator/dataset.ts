import { CodeBuffer, fnv1a, mulberry32, pick, randomHex, randomInt, randomStream, toHex, type Random } from './random.js';

/** An Atlas user with personal API keys; `keys` are raw API documents exactly as `GET /users/{id}/keys` returns them. */
export interface SimUser {
  id: string;
  username: string;
  /** The personal API key: the digest password of `username`. */
  apiKey: string;
  firstName: string;
  lastName: string;
  keys: Record<string, unknown>[];
}

/** A Cloud Manager project; `agentKeys` are raw API documents as `GET /groups/{id}/agentapikeys` returns them. */
export interface SimProject {
  id: string;
  name: string;
  orgId: string;
  agentKeys: Record<string, unknown>[];
  /** Shown by `GET /groups`; derived from the id when absent. */
  clusterCount?: number;
  /** ISO 8601 creation time shown by `GET /groups`; derived from the id when absent. */
  created?: string;
  /** Project-level programmatic keys (v2 `GET /groups/{groupId}/apiKeys`); present only when generated. */
  programmaticKeys?: Record<string, unknown>[];
  /** Service accounts created in the project (v2 `GET /groups/{groupId}/serviceAccounts`, project roles); present only when generated. */
  serviceAccounts?: Record<string, unknown>[];
  /**
   * Accounts of the project's organisation assigned to the project, with their project roles:
   * `GET /groups/{groupId}/serviceAccounts` lists them too, with these roles instead of their organisation roles.
   */
  assignedServiceAccounts?: { clientId: string; roles: string[] }[];
}

/** A Cloud Manager programmatic API key with Project Read Only on `projectIds`. */
export interface SimCredential {
  publicKey: string;
  privateKey: string;
  projectIds: string[];
}

/** Everything the simulator serves. Live: the server reads it on every request. */
export interface Dataset extends OrganizationDataset {
  users: SimUser[];
  projects: SimProject[];
  credentials: SimCredential[];
}

/** Size and shape of a generated data set. */
export interface DatasetOptions extends OrganizationDatasetOptions {
  seed?: number;
  users?: number;
  keysPerUser?: number;
  projects?: number;
  keysPerProject?: number;
  credentials?: number;
  /** The clock the ages and last uses are relative to, in ms; defaults to the start of the current UTC hour. */
  now?: number;
}

/** The demo-sized defaults of {@link generateDataset}. */
export const defaultDatasetOptions = {
  seed: 1,
  users: 3,
  keysPerUser: 6,
  projects: 5,
  keysPerProject: 3,
  credentials: 1,
} as const;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const YEAR = 365 * DAY;

const FIRST_NAMES = [
  'Alice', 'Bruno', 'Chen', 'Dana', 'Emeka', 'Farah', 'Gustav', 'Hana', 'Ivan', 'Jun',
  'Kavya', 'Lucas', 'Maya', 'Nikolai', 'Olivia', 'Pedro', 'Quinn', 'Rosa', 'Sami', 'Tomasz',
] as const;
const LAST_NAMES = [
  'Nguyen', 'Martins', 'Wei', 'Cohen', 'Okafor', 'Haddad', 'Lindqvist', 'Sato', 'Petrov', 'Park',
  'Iyer', 'Moreau', 'Fischer', 'Volkov', 'Brennan', 'Alves', 'Murphy', 'Ortega', 'Khalil', 'Nowak',
] as const;
const USER_KEY_DESCRIPTIONS = [
  'Staging Application', 'Production Application', 'CI pipeline', 'Terraform automation',
  'Backup verification script', 'Monitoring integration', 'Nightly data export', 'Local development',
  'Grafana datasource', 'Deploy bot', 'Ops runbook automation', 'Legacy cron job',
  'Billing reconciliation', 'Support tooling', 'Capacity report', 'Incident response',
] as const;
const SERVICES = [
  'payments', 'checkout', 'inventory', 'search', 'analytics', 'identity', 'billing', 'catalog',
  'orders', 'shipping', 'notifications', 'reporting', 'ledger', 'pricing', 'recommendations',
  'gateway', 'loyalty', 'fraud', 'media', 'audit',
] as const;
const ENVIRONMENTS = ['prod', 'staging', 'dev', 'qa'] as const;
const HOSTS = ['db-01', 'db-02', 'mongo-a', 'mongo-b', 'rs0-node1', 'rs0-node2', 'backup-01', 'ops-runner'] as const;

/**
 * What a personal key looks like. A fixed cycle, so even the 18 keys of the demo set show every case:
 * 2 in 20 disabled, 3 never used, 1 created in the last day, 4 idle over 90 days.
 */
type UsageProfile = 'recent' | 'active' | 'idle' | 'never' | 'disabled' | 'new';
const USAGE_CYCLE: readonly UsageProfile[] = [
  'recent', 'active', 'never', 'idle', 'disabled', 'recent', 'new', 'active', 'idle', 'never',
  'recent', 'active', 'disabled', 'idle', 'recent', 'never', 'active', 'recent', 'idle', 'active',
];

const AGENT_CREATORS = ['USER', 'PUBLIC_API', 'OLD_KEY', 'ATLAS', 'SERVER_POOLS'] as const;

/**
 * A 32-hex-digit secret shaped like a UUID v4, derived from the seed and a label
 * (e.g. `user:0`), so a data set's secrets are reproducible without being stored anywhere.
 */
export function deriveSecret(seed: number, label: string): string {
  const hex = randomHex(mulberry32(fnv1a(`secret:${seed >>> 0}:${label}`)), 32);
  const variant = '89ab'[parseInt(hex.charAt(16), 16) & 3] ?? '8';
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20)}`;
}

/** An 8-letter lowercase public key (the username half of a programmatic key), derived like {@link deriveSecret}. */
export function derivePublicKey(seed: number, label: string): string {
  const random = mulberry32(fnv1a(`public:${seed >>> 0}:${label}`));
  let out = '';
  for (let i = 0; i < 8; i++) out += String.fromCharCode(97 + Math.floor(random() * 26));
  return out;
}

/** 24-hex ObjectId-like ids: a random past timestamp, a per-kind "machine" part and a counter, so ids never collide. */
class IdFactory {
  readonly #random: Random;
  readonly #machine: string;
  #counter: number;

  constructor(seed: number, kind: number) {
    this.#random = randomStream(seed, `ids:${kind}`);
    this.#machine = toHex(fnv1a(`${seed >>> 0}:machine:${kind}`), 8) + toHex(kind, 2);
    // Half the 24-bit counter space is left above the start, so ids stay unique up to 8 million of a kind.
    this.#counter = Math.floor(this.#random() * 0x800000);
  }

  next(): string {
    // ObjectId timestamps between 2017-12 and 2023-11.
    const timestamp = 0x5a200000 + Math.floor(this.#random() * 0x0b400000);
    return new CodeBuffer().hex(timestamp, 8).text(this.#machine).hex(this.#counter++, 6).toString();
  }
}

/** ISO 8601 at whole seconds, as the APIs print it: `2018-05-14T14:45:22Z`. */
export function isoSeconds(ms: number): string {
  // Hand-rolled civil-from-days (H. Hinnant): generating 100,000 keys spent most of its time in Date otherwise.
  const total = Math.floor(ms / 1000);
  const days = Math.floor(total / 86_400);
  const secondsOfDay = total - days * 86_400;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 1000 || year > 9999) return new Date(total * 1000).toISOString().slice(0, 19) + 'Z';
  return new CodeBuffer()
    .decimal(year, 4).text('-').decimal(month, 2).text('-').decimal(day, 2).text('T')
    .decimal(Math.floor(secondsOfDay / 3600), 2).text(':').decimal(Math.floor((secondsOfDay % 3600) / 60), 2).text(':')
    .decimal(secondsOfDay % 60, 2).text('Z')
    .toString();
}

/** A duration between `min` and `max` ms, spread evenly over orders of magnitude. */
function logUniform(random: Random, min: number, max: number): number {
  return Math.exp(Math.log(min) + random() * (Math.log(max) - Math.log(min)));
}

function usedCount(random: Random): number {
  return Math.max(1, Math.floor(logUniform(random, 1, 50_000)));
}

interface UserKeyContext {
  random: Random;
  ids: IdFactory;
  now: number;
  /** Position across every user's keys: picks the usage profile and the `lastUsed` form. */
  index: number;
  neverUsedSoFar: number;
}

function generateUserKey(userId: string, ctx: UserKeyContext): Record<string, unknown> {
  const { random, now } = ctx;
  const profile = USAGE_CYCLE[ctx.index % USAGE_CYCLE.length] ?? 'active';
  ctx.index++;
  let createdAge = logUniform(random, 2 * DAY, 6 * YEAR);
  let lastUsedAge: number | undefined;
  let enabled = true;
  switch (profile) {
    case 'recent':
      lastUsedAge = random() * 20 * HOUR;
      break;
    case 'active':
      lastUsedAge = DAY + random() * 60 * DAY;
      break;
    case 'idle':
      lastUsedAge = 91 * DAY + random() * 3 * YEAR;
      break;
    case 'disabled':
      enabled = false;
      lastUsedAge = 30 * DAY + random() * 2 * YEAR;
      break;
    case 'new':
      createdAge = HOUR + random() * 20 * HOUR;
      lastUsedAge = random() * createdAge * 0.9;
      break;
    case 'never':
      break;
  }
  if (lastUsedAge !== undefined && createdAge <= lastUsedAge) {
    createdAge = lastUsedAge + DAY + random() * 180 * DAY;
  }
  const createdAt = now - createdAge;
  const key: Record<string, unknown> = {
    id: ctx.ids.next(),
    userId,
    description: pick(random, USER_KEY_DESCRIPTIONS),
    enabled,
    usedCount: lastUsedAge === undefined ? 0 : profile === 'new' ? randomInt(random, 1, 5) : usedCount(random),
    createdAt: isoSeconds(createdAt),
  };
  if (lastUsedAge !== undefined) {
    key['lastUsed'] = isoSeconds(Math.max(createdAt, now - lastUsedAge));
  } else if (ctx.neverUsedSoFar++ % 2 === 1) {
    // The API shows a never used key both ways: without `lastUsed`, and with `lastUsed: null`.
    key['lastUsed'] = null;
  }
  key['obfuscatedKey'] = new CodeBuffer().text('********-****-****-').randomHex(random, 12).toString();
  return key;
}

function generateUsers(seed: number, count: number, keysPerUser: number, now: number): SimUser[] {
  const random = randomStream(seed, 'users');
  const userIds = new IdFactory(seed, 1);
  const ctx: UserKeyContext = { random, ids: new IdFactory(seed, 2), now, index: 0, neverUsedSoFar: 0 };
  const users: SimUser[] = [];
  for (let i = 0; i < count; i++) {
    const firstName = FIRST_NAMES[i % FIRST_NAMES.length] ?? 'User';
    const lastName = LAST_NAMES[(i * 7 + Math.floor(i / LAST_NAMES.length)) % LAST_NAMES.length] ?? 'Example';
    // The first 20 first names are distinct; later users get their index so usernames stay unique.
    const suffix = i < FIRST_NAMES.length ? '' : String(i);
    const id = userIds.next();
    const keys: Record<string, unknown>[] = new Array(keysPerUser);
    for (let k = 0; k < keysPerUser; k++) keys[k] = generateUserKey(id, ctx);
    users.push({
      id,
      username: `${firstName.toLowerCase()}.${lastName.toLowerCase()}${suffix}@example.com`,
      apiKey: deriveSecret(seed, `user:${i}`),
      firstName,
      lastName,
      keys,
    });
  }
  return users;
}

function documentationIp(random: Random): string {
  const prefix = pick(random, ['192.0.2', '198.51.100', '203.0.113'] as const);
  return `${prefix}.${randomInt(random, 1, 254)}`;
}

function agentDescription(random: Random, createdBy: string, projectName: string): string {
  switch (createdBy) {
    case 'USER':
      return pick(random, ['Initial API Key', `Automation agent on ${pick(random, HOSTS)}`, `${projectName} monitoring agent`]);
    case 'PUBLIC_API':
      return pick(random, ['Agent API Key for this project', 'Created by Terraform', 'Rotated by key-rotation job']);
    case 'OLD_KEY':
      return 'Migrated legacy agent key';
    case 'ATLAS':
      return 'Atlas managed agent key';
    default:
      return `Server pool agent on ${pick(random, HOSTS)}`;
  }
}

interface AgentKeyCounters {
  /** Position across every project's keys: picks the `_id`/`id` and `createdTime` forms. */
  index: number;
  /** Position across the non-provisioning keys: cycles through the creators. */
  creatorIndex: number;
}

function generateAgentKey(
  random: Random,
  ids: IdFactory,
  counters: AgentKeyCounters,
  project: { name: string; createdMs: number; creatorIds: readonly string[] },
  position: number,
  now: number,
): Record<string, unknown> {
  const index = counters.index++;
  const createdBy = position === 0 ? 'PROVISIONING' : (AGENT_CREATORS[counters.creatorIndex++ % AGENT_CREATORS.length] ?? 'USER');
  const createdMs =
    position === 0
      ? project.createdMs + randomInt(random, 1_000, 120_000)
      : project.createdMs + random() * (now - project.createdMs);
  const time = Math.floor(createdMs);
  // Alphabetical field order, as the vendor example prints it; the id field and the time form vary
  // because the vendor documentation itself shows both.
  const key: Record<string, unknown> = {};
  key[index % 4 === 3 ? 'id' : '_id'] = ids.next();
  key['createdBy'] = createdBy;
  if (createdBy !== 'PROVISIONING') key['createdIpAddr'] = documentationIp(random);
  key['createdTime'] = index % 3 === 2 ? isoSeconds(time) : time;
  if (createdBy !== 'PROVISIONING') key['createdUserId'] = pick(random, project.creatorIds);
  key['desc'] = createdBy === 'PROVISIONING' ? 'Generated by Provisioning' : agentDescription(random, createdBy, project.name);
  key['key'] = new CodeBuffer().text('****************************').randomHex(random, 4).toString();
  return key;
}

function generateProjects(seed: number, count: number, keysPerProject: number, now: number): SimProject[] {
  const random = randomStream(seed, 'projects');
  const projectIds = new IdFactory(seed, 3);
  const keyIds = new IdFactory(seed, 4);
  const orgIds = new IdFactory(seed, 5);
  const creatorIdFactory = new IdFactory(seed, 6);
  const creatorIds = Array.from({ length: 8 }, () => creatorIdFactory.next());
  const orgs = Array.from({ length: Math.max(1, Math.ceil(count / 250)) }, () => orgIds.next());
  const combinations = SERVICES.length * ENVIRONMENTS.length;
  const offset = Math.floor(random() * combinations);
  const counters: AgentKeyCounters = { index: 0, creatorIndex: 0 };
  const projects: SimProject[] = [];
  for (let i = 0; i < count; i++) {
    const combination = (offset + i) % combinations;
    const service = SERVICES[combination % SERVICES.length] ?? 'app';
    const environment = ENVIRONMENTS[Math.floor(combination / SERVICES.length)] ?? 'prod';
    const round = Math.floor(i / combinations);
    const name = `${service}-${environment}${round === 0 ? '' : `-${round + 1}`}`;
    const createdMs = now - logUniform(random, 30 * DAY, 6 * YEAR);
    const context = { name, createdMs, creatorIds };
    const agentKeys: Record<string, unknown>[] = new Array(keysPerProject);
    for (let k = 0; k < keysPerProject; k++) agentKeys[k] = generateAgentKey(random, keyIds, counters, context, k, now);
    projects.push({
      id: projectIds.next(),
      name,
      orgId: orgs[i % orgs.length] ?? '',
      agentKeys,
      clusterCount: randomInt(random, 0, 4),
      created: isoSeconds(createdMs),
    });
  }
  return projects;
}

function generateCredentials(seed: number, count: number, projects: readonly SimProject[]): SimCredential[] {
  const credentials: SimCredential[] = [];
  const publicKeys = new Set<string>();
  for (let i = 0; i < count; i++) {
    let publicKey = derivePublicKey(seed, `credential:${i}`);
    for (let retry = 1; publicKeys.has(publicKey); retry++) publicKey = derivePublicKey(seed, `credential:${i}:${retry}`);
    publicKeys.add(publicKey);
    // Contiguous shares, as when each team holds its own projects.
    const from = Math.floor((i * projects.length) / count);
    const to = Math.floor(((i + 1) * projects.length) / count);
    credentials.push({
      publicKey,
      privateKey: deriveSecret(seed, `credential:${i}`),
      projectIds: projects.slice(from, to).map((project) => project.id),
    });
  }
  return credentials;
}

function count(value: number | undefined, fallback: number, name: string): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`generateDataset: ${name} must be a non-negative integer, got ${String(value)}`);
  return n;
}

/**
 * A deterministic fake data set: the same options (seed and `now` included) always give the same data.
 * Without `now`, times are relative to the start of the current UTC hour.
 */
export function generateDataset(options: DatasetOptions = {}): Dataset {
  const seed = options.seed ?? defaultDatasetOptions.seed;
  const now = options.now ?? Math.floor(Date.now() / HOUR) * HOUR;
  const users = count(options.users, defaultDatasetOptions.users, 'users');
  const keysPerUser = count(options.keysPerUser, defaultDatasetOptions.keysPerUser, 'keysPerUser');
  const projectCount = count(options.projects, defaultDatasetOptions.projects, 'projects');
  const keysPerProject = count(options.keysPerProject, defaultDatasetOptions.keysPerProject, 'keysPerProject');
  const credentialCount = count(options.credentials, defaultDatasetOptions.credentials, 'credentials');
  const projects = generateProjects(seed, projectCount, keysPerProject, now);
  const dataset: Dataset = {
    users: generateUsers(seed, users, keysPerUser, now),
    projects,
    credentials: generateCredentials(seed, credentialCount, projects),
  };
  addOrganizations(dataset, seed, now, options);
  return dataset;
}

// ---------------------------------------------------------------------------------------------
// Organizations: their programmatic API keys, access lists and settings, service accounts with
// secrets, project-level keys and service accounts, and the credentials (digest programmatic keys,
// OAuth service accounts) that can read them. Everything below is generated only when its count is
// above 0, so a data set without organizations is the same byte for byte.
//
// Shapes, from the Atlas Admin API v2 reference (https://www.mongodb.com/docs/api/doc/atlas-admin-api-v2/):
// - ApiKeyUserDetails (operation-listapikeys): {desc, id, privateKey (redacted), publicKey (8 chars),
//   roles[{groupId|orgId, roleName}]}; no timestamps.
// - access list entry (operation-listapikeyaccesslistsentries, UserAccessListResponse): {cidrBlock,
//   count, created, ipAddress, lastUsed, lastUsedAddress}. `count` (minimum 1) is the requests from
//   `lastUsedAddress`; an entry that was never used has no count, lastUsed or lastUsedAddress.
// - service account access list entry (listOrgAccessList, ServiceAccountIPAccessListEntry): {cidrBlock,
//   ipAddress, createdAt, lastUsedAt, lastUsedAddress, requestCount}: the same facts, other names.
// - OrgServiceAccount (operation-listserviceaccounts, 2024-08-05): {clientId (^mdb_sa_id_[a-fA-F\d]{24}$),
//   createdAt, description, name, roles[string], secrets[{createdAt, expiresAt, id, lastUsedAt?,
//   maskedSecretValue}]}. The document's example mask is `mdb_sa_sk_...`, with no visible tail.
// - org settings (operation-getorgsettings): {apiAccessListRequired, multiFactorAuthRequired,
//   restrictEmployeeAccess, genAIFeaturesEnabled, maxServiceAccountSecretValidityInHours, …}.
// ---------------------------------------------------------------------------------------------

/** A MongoDB Cloud organization; key and service account documents are raw v2 API documents. */
export interface SimOrg {
  id: string;
  name: string;
  /** Listed by `GET /orgs` with `isDeleted: true`; its sub-resources answer 404 ORG_NOT_FOUND. */
  isDeleted?: boolean;
  /** `GET /orgs/{orgId}/settings`: API calls must come from an access-listed address; undefined: the settings omit it (no field is required). */
  apiAccessListRequired: boolean | undefined;
  multiFactorAuthRequired: boolean;
  restrictEmployeeAccess: boolean;
  /** The projects of this organization (their `orgId` is this id). */
  projectIds: string[];
  /** Keys created at the organization level, as `GET /orgs/{orgId}/apiKeys` returns them. */
  programmaticKeys: Record<string, unknown>[];
  /**
   * Access list entries by key id, for the organization's keys and its projects' keys (every
   * programmatic key belongs to an organization). A key without an entry here has an empty list.
   */
  accessLists: Record<string, Record<string, unknown>[]>;
  /**
   * Access list entries by client id, for the organization's service accounts and its projects'
   * (`GET /orgs/{orgId}/serviceAccounts/{clientId}/accessList` and the `/groups/…` one). An
   * account without an entry here has an empty list.
   */
  serviceAccountAccessLists: Record<string, Record<string, unknown>[]>;
  /** Service accounts created at the organization level (organisation roles), as `GET /orgs/{orgId}/serviceAccounts` returns them. */
  serviceAccounts: Record<string, unknown>[];
  /** System-managed service accounts: listed only with `includeSystemManaged=true`. */
  systemServiceAccounts?: Record<string, unknown>[];
}

/** How a credential authenticates to the v2 API. */
export type SimOrgCredentialKind = 'digest' | 'oauth';

/**
 * A credential able to call the Atlas Admin API v2 (and, for digest keys, the Cloud/Ops Manager
 * v1.0 org key routes). `digest`: a programmatic key, `publicKey` is listed (its private key
 * redacted) among its organization's keys. `oauth`: a service account, `clientId` is listed among
 * its organization's service accounts; `clientSecret` is its first (unexpired) secret.
 * The real secrets live only here; the API never serves them.
 */
export type SimOrgCredential =
  | {
      kind: 'digest';
      publicKey: string;
      privateKey: string;
      /** Organizations it has Organization Member on. */
      orgIds: string[];
      /** Projects it can read (every project of its organizations). */
      projectIds: string[];
      /** Ops Manager Global Read Only: may call `GET /admin/apiKeys`, and reads every organization. */
      globalReadOnly?: boolean;
    }
  | {
      kind: 'oauth';
      clientId: string;
      clientSecret: string;
      orgIds: string[];
      projectIds: string[];
    };

/** The organizations' part of a {@link Dataset}: the Atlas Admin API v2 data and Ops Manager's global keys. */
export interface OrganizationDataset {
  orgs?: SimOrg[];
  orgCredentials?: SimOrgCredential[];
  /** Ops Manager global programmatic keys, as `GET /admin/apiKeys` returns them. */
  globalApiKeys?: Record<string, unknown>[];
}

/** Sizes of the organizations' part of a data set; all default to 0. */
export interface OrganizationDatasetOptions {
  orgs?: number;
  programmaticKeysPerOrg?: number;
  programmaticKeysPerProject?: number;
  serviceAccountsPerOrg?: number;
  serviceAccountsPerProject?: number;
  secretsPerServiceAccount?: number;
  /** Ops Manager global API keys; the first is a Global Read Only digest credential. */
  globalKeys?: number;
  /** Deleted organizations, listed by `GET /orgs` of every organization credential (`isDeleted: true`). */
  deletedOrgs?: number;
  /** System-managed service accounts per organization, hidden unless a listing asks with `includeSystemManaged=true`. */
  systemManagedServiceAccountsPerOrg?: number;
  /** Accounts of its organization each project is assigned, with project roles (at most the organization's accounts). */
  assignedServiceAccountsPerProject?: number;
}

/** Demo-sized defaults, organizations included (used by `simulate`). */
export const demoDatasetOptions = {
  ...defaultDatasetOptions,
  orgs: 2,
  programmaticKeysPerOrg: 6,
  programmaticKeysPerProject: 1,
  serviceAccountsPerOrg: 3,
  serviceAccountsPerProject: 1,
  secretsPerServiceAccount: 2,
  globalKeys: 2,
  deletedOrgs: 1,
  systemManagedServiceAccountsPerOrg: 1,
  assignedServiceAccountsPerProject: 1,
} as const;

const COMPANIES = [
  'Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark', 'Wayne', 'Tyrell', 'Cyberdyne', 'Soylent',
  'Aperture', 'Massive Dynamic', 'Vandelay', 'Wonka', 'Oscorp', 'Gringotts',
] as const;
const ORG_SUFFIXES = ['Platform', 'Data', 'Payments', 'Analytics', 'Internal', 'Sandbox'] as const;
const ORG_KEY_DESCRIPTIONS = [
  'Terraform org automation', 'Audit exporter', 'CI provisioning', 'Billing export', 'Backup orchestration',
  'SRE tooling', 'Access review bot', 'Legacy integration', 'Alert routing', 'Cost reporting',
] as const;
const ORG_ROLES = ['ORG_MEMBER', 'ORG_READ_ONLY', 'ORG_OWNER', 'ORG_BILLING_ADMIN', 'ORG_GROUP_CREATOR', 'ORG_BILLING_READ_ONLY'] as const;
const GROUP_ROLES = ['GROUP_READ_ONLY', 'GROUP_OWNER', 'GROUP_DATA_ACCESS_READ_ONLY', 'GROUP_CLUSTER_MANAGER', 'GROUP_DATA_ACCESS_READ_WRITE'] as const;
const SA_NAMES = ['terraform', 'ci-runner', 'key-rotator', 'observability', 'backup-agent', 'deploy-bot', 'data-sync', 'access-auditor'] as const;

/**
 * Access list profiles, a fixed cycle so even a few keys show every case: a restricted list with
 * used entries, one holding 0.0.0.0/0, one holding ::0/0 (the API definition's pattern admits no
 * `::/0`), an empty list, and entries never used.
 */
type AccessListProfile = 'restricted' | 'unrestricted-v4' | 'empty' | 'never-used' | 'unrestricted-v6' | 'mixed';
const ACCESS_LIST_CYCLE: readonly AccessListProfile[] = ['restricted', 'unrestricted-v4', 'empty', 'never-used', 'mixed', 'unrestricted-v6', 'restricted'];

/** Secret profiles: expired, expiring within 3 days, within 14 days, valid for long, never used. */
type SecretProfile = 'valid' | 'expired' | 'expiring-3d' | 'expiring-14d' | 'never-used' | 'valid-long';
const SECRET_CYCLE: readonly SecretProfile[] = ['valid', 'expired', 'expiring-3d', 'never-used', 'expiring-14d', 'valid-long', 'expired', 'valid'];

/** A programmatic key's private key as the API shows it: all but the last 12 hex digits masked. */
export function redactPrivateKey(secret: string): string {
  return `********-****-****-${secret.slice(-12)}`;
}

/** A service account secret as created (never served): `mdb_sa_sk_` and 40 hex digits, derived from the seed. */
export function deriveServiceAccountSecret(seed: number, label: string): string {
  return `mdb_sa_sk_${randomHex(mulberry32(fnv1a(`sa-secret:${seed >>> 0}:${label}`)), 40)}`;
}

/**
 * A service account secret as the API shows it (`maskedSecretValue`): the prefix, a mask and the
 * last 4 characters; or, `tail` false, the document's example form `mdb_sa_sk_...`, nothing visible.
 */
export function maskServiceAccountSecret(secret: string, tail = true): string {
  return tail ? `mdb_sa_sk_…${secret.slice(-4)}` : 'mdb_sa_sk_...';
}

function cidrEntry(random: Random, now: number, created: number, used: boolean): Record<string, unknown> {
  const single = random() < 0.6;
  const ip = documentationIp(random);
  const entry: Record<string, unknown> = {};
  if (single) {
    entry['cidrBlock'] = `${ip}/32`;
    entry['ipAddress'] = ip;
  } else {
    entry['cidrBlock'] = `${ip.slice(0, ip.lastIndexOf('.'))}.0/24`;
  }
  if (used) entry['count'] = Math.max(1, Math.floor(logUniform(random, 1, 200_000)));
  entry['created'] = isoSeconds(created);
  if (used) {
    entry['lastUsed'] = isoSeconds(created + random() * (now - created));
    entry['lastUsedAddress'] = single ? ip : `${ip.slice(0, ip.lastIndexOf('.'))}.${randomInt(random, 1, 254)}`;
  }
  return entry;
}

function openEntry(random: Random, now: number, created: number, cidr: '0.0.0.0/0' | '::0/0'): Record<string, unknown> {
  const used = random() < 0.8;
  const entry: Record<string, unknown> = { cidrBlock: cidr };
  if (used) entry['count'] = Math.max(1, Math.floor(logUniform(random, 1, 500_000)));
  entry['created'] = isoSeconds(created);
  if (used) {
    entry['lastUsed'] = isoSeconds(created + random() * (now - created));
    entry['lastUsedAddress'] = cidr === '::0/0' ? `2001:db8::${randomInt(random, 1, 0xffff).toString(16)}` : documentationIp(random);
  }
  return entry;
}

/** An access list holds each block once: random addresses that repeat one are dropped. */
function generateAccessList(random: Random, profile: AccessListProfile, now: number): Record<string, unknown>[] {
  const seen = new Set<unknown>();
  return generateEntries(random, profile, now).filter((entry) => !seen.has(entry['cidrBlock']) && seen.add(entry['cidrBlock']));
}

function generateEntries(random: Random, profile: AccessListProfile, now: number): Record<string, unknown>[] {
  const created = (): number => now - logUniform(random, 2 * DAY, 4 * YEAR);
  switch (profile) {
    case 'empty':
      return [];
    case 'unrestricted-v4':
      return [openEntry(random, now, created(), '0.0.0.0/0')];
    case 'unrestricted-v6':
      return [cidrEntry(random, now, created(), true), openEntry(random, now, created(), '::0/0')];
    case 'never-used':
      return Array.from({ length: randomInt(random, 1, 2) }, () => cidrEntry(random, now, created(), false));
    case 'mixed':
      return [cidrEntry(random, now, created(), true), cidrEntry(random, now, created(), false)];
    case 'restricted':
      return Array.from({ length: randomInt(random, 1, 3) }, () => cidrEntry(random, now, created(), true));
  }
}

/** A service account's access list: the same profiles as a key's, under the service-account field names. */
function serviceAccountAccessList(random: Random, profile: AccessListProfile, now: number): Record<string, unknown>[] {
  return generateAccessList(random, profile, now).map((entry) => {
    const renamed: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(entry)) renamed[SERVICE_ACCOUNT_ENTRY_FIELDS[name] ?? name] = value;
    return renamed;
  });
}

const SERVICE_ACCOUNT_ENTRY_FIELDS: Readonly<Record<string, string>> = { created: 'createdAt', lastUsed: 'lastUsedAt', count: 'requestCount' };

function generateSecret(random: Random, ids: IdFactory, profile: SecretProfile, now: number, masked: string): Record<string, unknown> {
  let expiresAt: number;
  switch (profile) {
    case 'expired':
      expiresAt = now - (HOUR + random() * 200 * DAY);
      break;
    case 'expiring-3d':
      expiresAt = now + HOUR + random() * (3 * DAY - 2 * HOUR);
      break;
    case 'expiring-14d':
      expiresAt = now + 4 * DAY + random() * 9 * DAY;
      break;
    case 'valid-long':
      expiresAt = now + 180 * DAY + random() * 180 * DAY;
      break;
    default:
      expiresAt = now + 30 * DAY + random() * 300 * DAY;
  }
  // Secrets live at most a year (maxServiceAccountSecretValidityInHours defaults to 8760).
  const createdAt = Math.min(now - HOUR, expiresAt - DAY - random() * 300 * DAY);
  const secret: Record<string, unknown> = {
    createdAt: isoSeconds(createdAt),
    expiresAt: isoSeconds(expiresAt),
    id: ids.next(),
  };
  if (profile !== 'never-used' && random() < 0.9) {
    secret['lastUsedAt'] = isoSeconds(createdAt + random() * (Math.min(now, expiresAt) - createdAt));
  }
  secret['maskedSecretValue'] = masked;
  return secret;
}

interface OrganizationContext {
  seed: number;
  now: number;
  random: Random;
  orgIds: IdFactory;
  keyIds: IdFactory;
  secretIds: IdFactory;
  saIds: IdFactory;
  publicKeys: Set<string>;
  accessIndex: number;
  secretIndex: number;
  /** Service-account access lists, apart from `random` so that the other values do not depend on them. */
  saRandom: Random;
  saAccessIndex: number;
}

function uniquePublicKey(ctx: OrganizationContext, label: string): string {
  let publicKey = derivePublicKey(ctx.seed, label);
  for (let retry = 1; ctx.publicKeys.has(publicKey); retry++) publicKey = derivePublicKey(ctx.seed, `${label}:${retry}`);
  ctx.publicKeys.add(publicKey);
  return publicKey;
}

interface GeneratedKey {
  doc: Record<string, unknown>;
  secret: string;
  accessList: Record<string, unknown>[];
}

function generateProgrammaticKey(ctx: OrganizationContext, label: string, roles: Record<string, unknown>[], forceProfile?: AccessListProfile): GeneratedKey {
  const { random } = ctx;
  const secret = deriveSecret(ctx.seed, label);
  const doc: Record<string, unknown> = {
    desc: pick(random, ORG_KEY_DESCRIPTIONS),
    id: ctx.keyIds.next(),
    privateKey: redactPrivateKey(secret),
    publicKey: uniquePublicKey(ctx, label),
    roles,
  };
  const profile = forceProfile ?? ACCESS_LIST_CYCLE[ctx.accessIndex++ % ACCESS_LIST_CYCLE.length] ?? 'restricted';
  return { doc, secret, accessList: generateAccessList(random, profile, ctx.now) };
}

interface GeneratedServiceAccount {
  doc: Record<string, unknown>;
  /** The real value of the first secret. */
  secret: string;
  accessList: Record<string, unknown>[];
}

function generateServiceAccount(
  ctx: OrganizationContext,
  label: string,
  roles: string[],
  secretCount: number,
  position: number,
  usable: boolean,
): GeneratedServiceAccount {
  const { random, now } = ctx;
  const clientId = `mdb_sa_id_${ctx.saIds.next()}`;
  const base = pick(random, SA_NAMES);
  const firstSecret = deriveServiceAccountSecret(ctx.seed, `${label}:0`);
  const secrets: Record<string, unknown>[] = [];
  let earliest = now;
  for (let s = 0; s < secretCount; s++) {
    // The credential's own first secret must work: valid and used.
    const profile: SecretProfile = usable && s === 0 ? 'valid' : (SECRET_CYCLE[ctx.secretIndex++ % SECRET_CYCLE.length] ?? 'valid');
    const value = s === 0 ? firstSecret : deriveServiceAccountSecret(ctx.seed, `${label}:${s}`);
    // Every third secret masked as the document's example shows, with no visible tail; never the credential's own.
    const tail = (usable && s === 0) || ctx.secretIndex % 3 !== 0;
    const secret = generateSecret(random, ctx.secretIds, profile, now, maskServiceAccountSecret(value, tail));
    earliest = Math.min(earliest, Date.parse(secret['createdAt'] as string));
    secrets.push(secret);
  }
  const createdAt = earliest - random() * 30 * DAY;
  return {
    doc: {
      clientId,
      createdAt: isoSeconds(createdAt),
      description: position === 0 && usable ? 'Read-only access for the API key exporter' : `Service account for ${base}`,
      name: `${base}-${position + 1}`,
      roles,
      secrets,
    },
    secret: firstSecret,
    // The credential's own account keeps a restricted, used list, like the credential key.
    accessList: serviceAccountAccessList(ctx.saRandom, usable ? 'restricted' : (ACCESS_LIST_CYCLE[ctx.saAccessIndex++ % ACCESS_LIST_CYCLE.length] ?? 'restricted'), now),
  };
}

function organizationCount(options: OrganizationDatasetOptions, name: keyof OrganizationDatasetOptions): number {
  return count(options[name], 0, name);
}

/** Adds the organizations' part to a generated data set, in place; a no-op when every count is 0. */
function addOrganizations(dataset: Dataset, seed: number, now: number, options: OrganizationDatasetOptions): void {
  const orgCount = organizationCount(options, 'orgs');
  const keysPerOrg = organizationCount(options, 'programmaticKeysPerOrg');
  const keysPerProject = organizationCount(options, 'programmaticKeysPerProject');
  const accountsPerOrg = organizationCount(options, 'serviceAccountsPerOrg');
  const accountsPerProject = organizationCount(options, 'serviceAccountsPerProject');
  const secretsPerAccount = organizationCount(options, 'secretsPerServiceAccount');
  const globalKeys = organizationCount(options, 'globalKeys');
  const ctx: OrganizationContext = {
    seed,
    now,
    // The stream's name is part of its seed: renaming it would change every generated value.
    random: randomStream(seed, 'more-kinds'),
    orgIds: new IdFactory(seed, 7),
    keyIds: new IdFactory(seed, 8),
    secretIds: new IdFactory(seed, 9),
    saIds: new IdFactory(seed, 10),
    publicKeys: new Set(dataset.credentials.map((credential) => credential.publicKey)),
    accessIndex: 0,
    secretIndex: 0,
    saRandom: randomStream(seed, 'sa-access-lists'),
    saAccessIndex: 0,
  };
  const credentials: SimOrgCredential[] = [];
  const orgs: SimOrg[] = [];
  const projects = dataset.projects;
  for (let o = 0; o < orgCount; o++) {
    const id = ctx.orgIds.next();
    const company = COMPANIES[o % COMPANIES.length] ?? 'Example';
    const round = Math.floor(o / COMPANIES.length);
    const org: SimOrg = {
      id,
      // The document's name pattern (^[\p{L}\p{N}\-_.(),:&@+']{1,64}$) has no space.
      name: `${company.replaceAll(' ', '-')}-${ORG_SUFFIXES[o % ORG_SUFFIXES.length] ?? 'Org'}${round === 0 ? '' : `-${round + 1}`}`,
      // Alternate, so a two-org demo shows both the required and the optional access list; every
      // third organisation's settings omit the field, as the document allows.
      apiAccessListRequired: o % 3 === 2 ? undefined : o % 2 === 1,
      multiFactorAuthRequired: o % 3 !== 2,
      restrictEmployeeAccess: o % 4 === 0,
      projectIds: [],
      programmaticKeys: [],
      accessLists: {},
      serviceAccountAccessLists: {},
      serviceAccounts: [],
    };
    // Contiguous shares of the projects, as with the Cloud Manager credentials.
    const from = Math.floor((o * projects.length) / orgCount);
    const to = Math.floor(((o + 1) * projects.length) / orgCount);
    for (const project of projects.slice(from, to)) {
      project.orgId = id;
      org.projectIds.push(project.id);
    }
    for (let k = 0; k < keysPerOrg; k++) {
      const label = `org:${o}:key:${k}`;
      const roles: Record<string, unknown>[] =
        k === 0 ? [{ orgId: id, roleName: 'ORG_MEMBER' }] : [{ orgId: id, roleName: pick(ctx.random, ORG_ROLES) }];
      if (k > 0 && k % 3 === 0 && org.projectIds.length > 0) {
        roles.push({ groupId: pick(ctx.random, org.projectIds), roleName: pick(ctx.random, GROUP_ROLES) });
      }
      // The credential key is restricted to a used access list, so it stays a sane example.
      const key = generateProgrammaticKey(ctx, label, roles, k === 0 ? 'restricted' : undefined);
      org.programmaticKeys.push(key.doc);
      if (key.accessList.length > 0) org.accessLists[key.doc['id'] as string] = key.accessList;
      if (k === 0) {
        credentials.push({ kind: 'digest', publicKey: key.doc['publicKey'] as string, privateKey: key.secret, orgIds: [id], projectIds: org.projectIds });
      }
    }
    for (let a = 0; a < accountsPerOrg; a++) {
      const usable = a === 0 && secretsPerAccount > 0;
      const roles = a === 0 ? ['ORG_READ_ONLY'] : [pick(ctx.random, ORG_ROLES)];
      const account = generateServiceAccount(ctx, `org:${o}:sa:${a}`, roles, secretsPerAccount, a, usable);
      org.serviceAccounts.push(account.doc);
      if (account.accessList.length > 0) org.serviceAccountAccessLists[account.doc['clientId'] as string] = account.accessList;
      if (usable) {
        credentials.push({ kind: 'oauth', clientId: account.doc['clientId'] as string, clientSecret: account.secret, orgIds: [id], projectIds: org.projectIds });
      }
    }
    orgs.push(org);
  }
  const orgsById = new Map(orgs.map((org) => [org.id, org]));
  if (keysPerProject > 0 || accountsPerProject > 0) {
    projects.forEach((project, p) => {
      const org = orgsById.get(project.orgId);
      if (keysPerProject > 0) {
        project.programmaticKeys = [];
        for (let k = 0; k < keysPerProject; k++) {
          // A project key is an organization key with a project role (and Organization Member).
          const roles = [
            { groupId: project.id, roleName: pick(ctx.random, GROUP_ROLES) },
            { orgId: project.orgId, roleName: 'ORG_MEMBER' },
          ];
          const key = generateProgrammaticKey(ctx, `project:${p}:key:${k}`, roles);
          project.programmaticKeys.push(key.doc);
          if (org !== undefined && key.accessList.length > 0) org.accessLists[key.doc['id'] as string] = key.accessList;
        }
      }
      if (accountsPerProject > 0) {
        project.serviceAccounts = [];
        for (let a = 0; a < accountsPerProject; a++) {
          const account = generateServiceAccount(ctx, `project:${p}:sa:${a}`, [pick(ctx.random, GROUP_ROLES)], secretsPerAccount, a, false);
          project.serviceAccounts.push(account.doc);
          if (org !== undefined && account.accessList.length > 0) org.serviceAccountAccessLists[account.doc['clientId'] as string] = account.accessList;
        }
      }
    });
  }
  if (orgCount > 0) dataset.orgs = orgs;
  if (globalKeys > 0) {
    dataset.globalApiKeys = [];
    for (let g = 0; g < globalKeys; g++) {
      const label = `global:${g}`;
      const secret = deriveSecret(seed, label);
      const publicKey = uniquePublicKey(ctx, label);
      dataset.globalApiKeys.push({
        desc: g === 0 ? 'Global read-only key for the API key exporter' : pick(ctx.random, ORG_KEY_DESCRIPTIONS),
        id: ctx.keyIds.next(),
        privateKey: redactPrivateKey(secret),
        publicKey,
        roles: [{ roleName: g === 0 ? 'GLOBAL_READ_ONLY' : pick(ctx.random, ['GLOBAL_READ_ONLY', 'GLOBAL_OWNER', 'GLOBAL_MONITORING_ADMIN'] as const) }],
      });
      // Global Read Only reads every organization and project of the instance.
      if (g === 0) {
        credentials.push({ kind: 'digest', publicKey, privateKey: secret, orgIds: orgs.map((org) => org.id), projectIds: orgs.flatMap((org) => org.projectIds), globalReadOnly: true });
      }
    }
  }
  // Last, and from their own streams, so the data above stays what it is without them.
  addServiceAccountAssignments(seed, projects, orgsById, organizationCount(options, 'assignedServiceAccountsPerProject'));
  addSystemManagedAccounts(ctx, orgs, secretsPerAccount, organizationCount(options, 'systemManagedServiceAccountsPerOrg'));
  const deleted = deletedOrgs(seed, organizationCount(options, 'deletedOrgs'));
  if (deleted.length > 0) {
    dataset.orgs = [...orgs, ...deleted];
    for (const credential of credentials) if (credential.kind === 'oauth' || credential.globalReadOnly !== true) credential.orgIds.push(...deleted.map((org) => org.id));
  }
  if (credentials.length > 0) dataset.orgCredentials = credentials;
}

/** Gives each project `perProject` accounts of its organization, with project roles. */
function addServiceAccountAssignments(seed: number, projects: readonly SimProject[], orgsById: ReadonlyMap<string, SimOrg>, perProject: number): void {
  if (perProject === 0) return;
  const random = randomStream(seed, 'sa-assignments');
  projects.forEach((project, p) => {
    const accounts = orgsById.get(project.orgId)?.serviceAccounts ?? [];
    const assigned = Math.min(perProject, accounts.length);
    if (assigned === 0) return;
    project.assignedServiceAccounts = Array.from({ length: assigned }, (_, a) => ({
      clientId: accounts[(p + a) % accounts.length]?.['clientId'] as string,
      roles: [pick(random, GROUP_ROLES)],
    }));
  });
}

/** Adds `perOrg` system-managed accounts (as those of MCP integrations) to every organization. */
function addSystemManagedAccounts(ctx: OrganizationContext, orgs: readonly SimOrg[], secretsPerAccount: number, perOrg: number): void {
  if (perOrg === 0) return;
  orgs.forEach((org, o) => {
    org.systemServiceAccounts = Array.from({ length: perOrg }, (_, a) => {
      const { doc } = generateServiceAccount(ctx, `org:${o}:system-sa:${a}`, ['ORG_READ_ONLY'], Math.max(1, secretsPerAccount), a, false);
      return { ...doc, name: `mcp-integration-${a + 1}`, description: 'System-managed account of an MCP integration' };
    });
  });
}

/** Organizations `GET /orgs` still lists, deleted: no projects, keys or accounts. */
function deletedOrgs(seed: number, count: number): SimOrg[] {
  const ids = new IdFactory(seed, 11);
  return Array.from({ length: count }, (_, d) => ({
    id: ids.next(),
    name: `Deleted-Org-${d + 1}`,
    isDeleted: true,
    apiAccessListRequired: false,
    multiFactorAuthRequired: false,
    restrictEmployeeAccess: false,
    projectIds: [],
    programmaticKeys: [],
    accessLists: {},
    serviceAccounts: [],
    serviceAccountAccessLists: {},
  }));
}
