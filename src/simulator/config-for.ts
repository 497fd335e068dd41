import type { Simulator } from './server.js';

/** Options of {@link exporterConfigFor}. */
export interface ExporterConfigForOptions {
  /** `poll.interval`; default `30s`. */
  interval?: string;
  /** List projects with `discover: true` (default) or with their `ids`. */
  discover?: boolean;
}

/**
 * An exporter config (the config file of src/config/schema.ts, as an object) that polls every user and every
 * credential of a simulator's data set; for the demo and the tests.
 */
export function exporterConfigFor(
  sim: Pick<Simulator, 'atlasBaseUrl' | 'publicBaseUrl' | 'dataset'>,
  options: ExporterConfigForOptions = {},
): Record<string, unknown> {
  const discover = options.discover ?? true;
  return {
    poll: {
      interval: options.interval ?? '30s',
      concurrency: 8,
      timeout: '10s',
      retries: 3,
      staleAfter: '1h',
    },
    users: sim.dataset.users.map((user) => ({
      username: user.username,
      apiKey: user.apiKey,
      userId: user.id,
      baseUrl: sim.atlasBaseUrl,
    })),
    projects: sim.dataset.credentials.map((credential) => ({
      publicKey: credential.publicKey,
      privateKey: credential.privateKey,
      baseUrl: sim.publicBaseUrl,
      ...(discover ? { discover: true } : { ids: [...credential.projectIds] }),
    })),
  };
}

/** Options of {@link organizationsConfigFor}. */
export interface OrganizationsConfigForOptions {
  /** List organizations with `discover: true` (default) or with their `ids`. */
  discover?: boolean;
  /** Whether each entry also polls the organization's projects' keys and service accounts; default true. */
  includeProjects?: boolean;
}

/**
 * The `organizations:` entries of the exporter config, one per credential able to call the Atlas
 * Admin API v2 (digest programmatic keys and OAuth service accounts); kept apart from
 * {@link exporterConfigFor} so a test can read the users' and projects' keys alone.
 */
export function organizationsConfigFor(
  sim: Pick<Simulator, 'url' | 'dataset'>,
  options: OrganizationsConfigForOptions = {},
): Record<string, unknown>[] {
  const discover = options.discover ?? true;
  const includeProjects = options.includeProjects ?? true;
  const baseUrl = sim.url + '/api/atlas/v2';
  // A deleted organization is for discovery to skip; listed by id, it would fail as not found.
  const deleted = new Set((sim.dataset.orgs ?? []).filter((org) => org.isDeleted === true).map((org) => org.id));
  return (sim.dataset.orgCredentials ?? [])
    .filter((credential) => credential.kind === 'oauth' || credential.globalReadOnly !== true)
    .map((credential) => ({
      ...(credential.kind === 'digest'
        ? { publicKey: credential.publicKey, privateKey: credential.privateKey }
        : { clientId: credential.clientId, clientSecret: credential.clientSecret }),
      baseUrl,
      ...(discover ? { discover: true } : { ids: credential.orgIds.filter((id) => !deleted.has(id)) }),
      apiKeys: true,
      accessLists: true,
      serviceAccounts: true,
      includeProjects,
    }));
}

/**
 * The `organizations:` entry of an Ops Manager reading of the data set: its Global Read Only key on
 * the v1.0 API, with every organization and project it reads, and the global API keys. It reads
 * the organizations the digest entries of {@link organizationsConfigFor} read (beside them, the
 * first entry to list a scope polls it). Empty without a global key.
 */
export function opsManagerConfigFor(sim: Pick<Simulator, 'publicBaseUrl' | 'dataset'>): Record<string, unknown>[] {
  return (sim.dataset.orgCredentials ?? []).flatMap((credential) =>
    credential.kind === 'digest' && credential.globalReadOnly === true
      ? [{ publicKey: credential.publicKey, privateKey: credential.privateKey, baseUrl: sim.publicBaseUrl, discover: true, includeProjects: true, globalKeys: true, apiKeys: true, accessLists: true, serviceAccounts: false }]
      : [],
  );
}

/** The Ops Manager entry of {@link opsManagerConfigFor} reading only the global API keys. */
export function globalKeysConfigFor(sim: Pick<Simulator, 'publicBaseUrl' | 'dataset'>): Record<string, unknown>[] {
  return opsManagerConfigFor(sim).map((entry) => ({ ...entry, discover: false, includeProjects: false, apiKeys: false }));
}
