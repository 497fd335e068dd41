/**
 * Service accounts and their secrets (Atlas Admin API v2 reference,
 * https://www.mongodb.com/docs/api/doc/atlas-admin-api-v2/): OrgServiceAccount
 * (operation-listserviceaccounts, 2024-08-05) is {clientId (^mdb_sa_id_[a-fA-F\d]{24}$), createdAt,
 * description, name, roles[string], secrets[{createdAt, expiresAt, id, lastUsedAt?, maskedSecretValue}]}.
 * The document's example mask is `mdb_sa_sk_...`, with no visible tail.
 */
import { pick, type Random } from '../random.js';
import { accessListProfile, serviceAccountAccessList, type GeneratedCredential } from './access-lists.js';
import { deriveServiceAccountSecret, type IdFactory } from './ids.js';
import { DAY, HOUR, isoSeconds } from './time.js';

/** The streams and counters every service account of a data set draws from; the order of the draws fixes every value. */
export interface ServiceAccountStreams {
  seed: number;
  now: number;
  /** Shared with the other documents of the organisations. */
  random: Random;
  accountIds: IdFactory;
  secretIds: IdFactory;
  /** Position in the secret profile cycle. */
  secretIndex: number;
  /** Service-account access lists, apart from `random` so that the other values do not depend on them. */
  accessListRandom: Random;
  /** Position in the access list profile cycle of the service accounts. */
  accessListIndex: number;
}

const SA_NAMES = ['terraform', 'ci-runner', 'key-rotator', 'observability', 'backup-agent', 'deploy-bot', 'data-sync', 'access-auditor'] as const;

/** Secret profiles: expired, expiring within 3 days, within 14 days, valid for long, never used. */
type SecretProfile = 'valid' | 'expired' | 'expiring-3d' | 'expiring-14d' | 'never-used' | 'valid-long';
const SECRET_CYCLE: readonly SecretProfile[] = ['valid', 'expired', 'expiring-3d', 'never-used', 'expiring-14d', 'valid-long', 'expired', 'valid'];

/**
 * A service account secret as the API shows it (`maskedSecretValue`): the prefix, a mask and the
 * last 4 characters; or, `tail` false, the document's example form `mdb_sa_sk_...`, nothing visible.
 */
export function maskServiceAccountSecret(secret: string, tail = true): string {
  return tail ? `mdb_sa_sk_…${secret.slice(-4)}` : 'mdb_sa_sk_...';
}

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

/**
 * A service account with `secretCount` secrets, the `position`-th of its organisation or project.
 * `usable`: it is a credential of the data set, so its first secret is valid and its `secret`.
 */
export function generateServiceAccount(
  ctx: ServiceAccountStreams,
  label: string,
  roles: string[],
  secretCount: number,
  position: number,
  usable: boolean,
): GeneratedCredential {
  const { random, now } = ctx;
  const clientId = `mdb_sa_id_${ctx.accountIds.next()}`;
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
    accessList: serviceAccountAccessList(ctx.accessListRandom, usable ? 'restricted' : accessListProfile(ctx.accessListIndex++), now),
  };
}
