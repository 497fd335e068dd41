/**
 * Atlas v1.0 users and their personal API keys (`GET /users/byName/{USER-NAME}`,
 * `GET /users/{USER-ID}/keys`).
 */
import { CodeBuffer, logUniform, pick, randomInt, randomStream, type Random } from '../random.js';
import { deriveSecret, ID_KINDS, IdFactory } from './ids.js';
import { DAY, HOUR, isoSeconds, YEAR } from './time.js';

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

/**
 * What a personal key looks like. A fixed cycle, so even the 18 keys of the demo set show every case:
 * 2 in 20 disabled, 3 never used, 1 created in the last day, 4 idle over 90 days.
 */
type UsageProfile = 'recent' | 'active' | 'idle' | 'never' | 'disabled' | 'new';
const USAGE_CYCLE: readonly UsageProfile[] = [
  'recent', 'active', 'never', 'idle', 'disabled', 'recent', 'new', 'active', 'idle', 'never',
  'recent', 'active', 'disabled', 'idle', 'recent', 'never', 'active', 'recent', 'idle', 'active',
];

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

/** `count` users with `keysPerUser` personal keys each, from the `users` stream. */
export function generateUsers(seed: number, count: number, keysPerUser: number, now: number): SimUser[] {
  const random = randomStream(seed, 'users');
  const userIds = new IdFactory(seed, ID_KINDS.user);
  const ctx: UserKeyContext = { random, ids: new IdFactory(seed, ID_KINDS.userKey), now, index: 0, neverUsedSoFar: 0 };
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
