/**
 * The simulator's data set, one module per API it serves: Atlas v1.0 users with personal keys
 * (./users.ts), Cloud Manager projects with agent keys and the keys that read them (./projects.ts),
 * and the organisations of the Atlas Admin API v2 and Ops Manager (./organizations.ts). Each part
 * draws from random streams of its own, so growing one leaves the others as they are.
 */
import { generateEventTrails, type EventTrails } from './events.js';
import { generateOrganizations, type OrganizationDataset, type OrganizationDatasetOptions, type ProjectAdminApiPart } from './organizations.js';
import { generateCredentials, generateProjects, type CloudManagerProject, type SimCredential } from './projects.js';
import { count } from './sizes.js';
import { HOUR } from './time.js';
import { generateUsers, type SimUser } from './users.js';

export { whitelistEntryOf, type EventActor, type EventTrails, type SimEvent } from './events.js';
export { derivePublicKey, deriveSecret, deriveServiceAccountSecret } from './ids.js';
export {
  redactPrivateKey,
  type OrganizationDataset,
  type OrganizationDatasetOptions,
  type ProjectAdminApiPart,
  type SimOrg,
  type SimOrgCredential,
  type SimOrgCredentialKind,
} from './organizations.js';
export type { CloudManagerProject, SimCredential } from './projects.js';
export { maskServiceAccountSecret } from './service-accounts.js';
export { isoSeconds } from './time.js';
export type { SimUser } from './users.js';

/** A project as the simulator serves it: the Cloud Manager project, with what its organisation adds. */
export type SimProject = CloudManagerProject & ProjectAdminApiPart;

/** Everything the simulator serves. Live: the server reads it on every request. */
export interface Dataset extends OrganizationDataset {
  users: SimUser[];
  projects: SimProject[];
  credentials: SimCredential[];
  /**
   * The event trails of the organisations and their projects, by organisation or project id; only
   * with organisations. Kept apart from the documents they describe, so the rest of the data set
   * is the same with or without them.
   */
  eventTrails?: EventTrails;
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

/**
 * A deterministic fake data set: the same options (seed and `now` included) always give the same data.
 * Without `now`, times are relative to the start of the current UTC hour.
 */
export function generateDataset(options: DatasetOptions = {}): Dataset {
  const seed = options.seed ?? defaultDatasetOptions.seed;
  const now = options.now ?? Math.floor(Date.now() / HOUR) * HOUR;
  const userCount = count(options.users, defaultDatasetOptions.users, 'users');
  const keysPerUser = count(options.keysPerUser, defaultDatasetOptions.keysPerUser, 'keysPerUser');
  const projectCount = count(options.projects, defaultDatasetOptions.projects, 'projects');
  const keysPerProject = count(options.keysPerProject, defaultDatasetOptions.keysPerProject, 'keysPerProject');
  const credentialCount = count(options.credentials, defaultDatasetOptions.credentials, 'credentials');
  const projects = generateProjects(seed, projectCount, keysPerProject, now);
  const users = generateUsers(seed, userCount, keysPerUser, now);
  const credentials = generateCredentials(seed, credentialCount, projects);
  const organizations = generateOrganizations(seed, now, options, projects, credentials.map((credential) => credential.publicKey));
  const dataset: Dataset = {
    users,
    projects: projects.map((project) => ({
      ...project,
      orgId: organizations.projectOrgIds.get(project.id) ?? project.orgId,
      ...organizations.projectParts.get(project.id),
    })),
    credentials,
    ...organizations.dataset,
  };
  if (dataset.orgs !== undefined) dataset.eventTrails = generateEventTrails(seed, now, dataset.orgs, dataset.projects, users);
  return dataset;
}
