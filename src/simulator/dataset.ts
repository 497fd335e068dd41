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
}

/** A Cloud Manager programmatic API key with Project Read Only on `projectIds`. */
export interface SimCredential {
  publicKey: string;
  privateKey: string;
  projectIds: string[];
}

/** Everything the simulator serves. Live: the server reads it on every request. */
export interface Dataset {
  users: SimUser[];
  projects: SimProject[];
  credentials: SimCredential[];
}

/** Size and shape of a generated data set. */
export interface DatasetOptions {
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
  return {
    users: generateUsers(seed, users, keysPerUser, now),
    projects,
    credentials: generateCredentials(seed, credentialCount, projects),
  };
}
