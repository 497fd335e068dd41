/**
 * Organisations (Atlas Admin API v2, and Ops Manager's v1.0 organisation resources): their settings,
 * programmatic API keys with access lists, service accounts with secrets, the keys and accounts of
 * their projects, Ops Manager's global keys, and the credentials (digest programmatic keys, OAuth
 * service accounts) that can read them. Nothing is generated when every count is 0, so a data set
 * without organisations is the same byte for byte.
 *
 * Shapes, from the Atlas Admin API v2 reference (https://www.mongodb.com/docs/api/doc/atlas-admin-api-v2/):
 * - ApiKeyUserDetails (operation-listapikeys): {desc, id, privateKey (redacted), publicKey (8 chars),
 *   roles[{groupId|orgId, roleName}]}; no timestamps.
 * - org settings (operation-getorgsettings): {apiAccessListRequired, multiFactorAuthRequired,
 *   restrictEmployeeAccess, genAIFeaturesEnabled, maxServiceAccountSecretValidityInHours, …}.
 * Access lists: ./access-lists.ts; service accounts: ./service-accounts.ts.
 */
import { pick, randomStream } from '../random.js';
import { accessListProfile, generateAccessList, type AccessListProfile, type GeneratedCredential } from './access-lists.js';
import { deriveSecret, ID_KINDS, IdFactory, PublicKeys } from './ids.js';
import { generateServiceAccount, type ServiceAccountStreams } from './service-accounts.js';
import { count, share } from './sizes.js';

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

/** The organizations' part of a data set: the Atlas Admin API v2 data and Ops Manager's global keys. */
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

/** A programmatic key's private key as the API shows it: all but the last 12 hex digits masked. */
export function redactPrivateKey(secret: string): string {
  return `********-****-****-${secret.slice(-12)}`;
}

/** What the organisations add to one of their projects (the project-level resources of the v2 API); each field present only when generated. */
export interface ProjectAdminApiPart {
  /** Project-level programmatic keys (v2 `GET /groups/{groupId}/apiKeys`). */
  programmaticKeys?: Record<string, unknown>[];
  /** Service accounts created in the project (v2 `GET /groups/{groupId}/serviceAccounts`, project roles). */
  serviceAccounts?: Record<string, unknown>[];
  /**
   * Accounts of the project's organisation assigned to the project, with their project roles:
   * `GET /groups/{groupId}/serviceAccounts` lists them too, with these roles instead of their organisation roles.
   */
  assignedServiceAccounts?: { clientId: string; roles: string[] }[];
}

/** The organisations' part of a data set, and what it says about the projects it was given. */
export interface GeneratedOrganizations {
  dataset: OrganizationDataset;
  /** The organisation holding each project, by project id; empty without organisations. */
  projectOrgIds: ReadonlyMap<string, string>;
  /** What the organisations add to each project, by project id; only projects with something added. */
  projectParts: ReadonlyMap<string, ProjectAdminApiPart>;
}

/** A project as the organisations see it. */
export interface ProjectRef {
  id: string;
  orgId: string;
}

interface OrganizationContext extends ServiceAccountStreams {
  orgIds: IdFactory;
  keyIds: IdFactory;
  publicKeys: PublicKeys;
  /** Position in the access list profile cycle of the programmatic keys. */
  accessIndex: number;
}

function generateProgrammaticKey(ctx: OrganizationContext, label: string, roles: Record<string, unknown>[], forceProfile?: AccessListProfile): GeneratedCredential {
  const { random } = ctx;
  const secret = deriveSecret(ctx.seed, label);
  const doc: Record<string, unknown> = {
    desc: pick(random, ORG_KEY_DESCRIPTIONS),
    id: ctx.keyIds.next(),
    privateKey: redactPrivateKey(secret),
    publicKey: ctx.publicKeys.next(label),
    roles,
  };
  const profile = forceProfile ?? accessListProfile(ctx.accessIndex++);
  return { doc, secret, accessList: generateAccessList(random, profile, ctx.now) };
}

function organizationCount(options: OrganizationDatasetOptions, name: keyof OrganizationDatasetOptions): number {
  return count(options[name], 0, name);
}

function orgName(o: number): string {
  const company = COMPANIES[o % COMPANIES.length] ?? 'Example';
  const round = Math.floor(o / COMPANIES.length);
  // The document's name pattern (^[\p{L}\p{N}\-_.(),:&@+']{1,64}$) has no space.
  return `${company.replaceAll(' ', '-')}-${ORG_SUFFIXES[o % ORG_SUFFIXES.length] ?? 'Org'}${round === 0 ? '' : `-${round + 1}`}`;
}

interface Sizes {
  keysPerOrg: number;
  keysPerProject: number;
  accountsPerOrg: number;
  accountsPerProject: number;
  secretsPerAccount: number;
}

/** The `o`-th organisation, holding `projects`, with its keys and accounts; its credentials go to `credentials`. */
function generateOrg(ctx: OrganizationContext, o: number, projects: readonly ProjectRef[], sizes: Sizes, credentials: SimOrgCredential[]): SimOrg {
  const id = ctx.orgIds.next();
  const org: SimOrg = {
    id,
    name: orgName(o),
    // Alternate, so a two-org demo shows both the required and the optional access list; every
    // third organisation's settings omit the field, as the document allows.
    apiAccessListRequired: o % 3 === 2 ? undefined : o % 2 === 1,
    multiFactorAuthRequired: o % 3 !== 2,
    restrictEmployeeAccess: o % 4 === 0,
    projectIds: projects.map((project) => project.id),
    programmaticKeys: [],
    accessLists: {},
    serviceAccountAccessLists: {},
    serviceAccounts: [],
  };
  for (let k = 0; k < sizes.keysPerOrg; k++) {
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
  for (let a = 0; a < sizes.accountsPerOrg; a++) {
    const usable = a === 0 && sizes.secretsPerAccount > 0;
    const roles = a === 0 ? ['ORG_READ_ONLY'] : [pick(ctx.random, ORG_ROLES)];
    const account = generateServiceAccount(ctx, `org:${o}:sa:${a}`, roles, sizes.secretsPerAccount, a, usable);
    org.serviceAccounts.push(account.doc);
    if (account.accessList.length > 0) org.serviceAccountAccessLists[account.doc['clientId'] as string] = account.accessList;
    if (usable) {
      credentials.push({ kind: 'oauth', clientId: account.doc['clientId'] as string, clientSecret: account.secret, orgIds: [id], projectIds: org.projectIds });
    }
  }
  return org;
}

/**
 * The keys and accounts created in the `p`-th project, whose organisation is `orgId` (`org` when the
 * data set has it, which then also holds their access lists).
 */
function generateProjectResources(ctx: OrganizationContext, project: ProjectRef, p: number, orgId: string, org: SimOrg | undefined, sizes: Sizes): ProjectAdminApiPart {
  const part: ProjectAdminApiPart = {};
  if (sizes.keysPerProject > 0) {
    part.programmaticKeys = [];
    for (let k = 0; k < sizes.keysPerProject; k++) {
      // A project key is an organization key with a project role (and Organization Member).
      const roles = [
        { groupId: project.id, roleName: pick(ctx.random, GROUP_ROLES) },
        { orgId, roleName: 'ORG_MEMBER' },
      ];
      const key = generateProgrammaticKey(ctx, `project:${p}:key:${k}`, roles);
      part.programmaticKeys.push(key.doc);
      if (org !== undefined && key.accessList.length > 0) org.accessLists[key.doc['id'] as string] = key.accessList;
    }
  }
  if (sizes.accountsPerProject > 0) {
    part.serviceAccounts = [];
    for (let a = 0; a < sizes.accountsPerProject; a++) {
      const account = generateServiceAccount(ctx, `project:${p}:sa:${a}`, [pick(ctx.random, GROUP_ROLES)], sizes.secretsPerAccount, a, false);
      part.serviceAccounts.push(account.doc);
      if (org !== undefined && account.accessList.length > 0) org.serviceAccountAccessLists[account.doc['clientId'] as string] = account.accessList;
    }
  }
  return part;
}

/** Ops Manager's global keys; the first is Global Read Only, a credential that reads every organisation of `orgs`. */
function generateGlobalKeys(ctx: OrganizationContext, count: number, orgs: readonly SimOrg[], credentials: SimOrgCredential[]): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, g) => {
    const label = `global:${g}`;
    const secret = deriveSecret(ctx.seed, label);
    const publicKey = ctx.publicKeys.next(label);
    const key = {
      desc: g === 0 ? 'Global read-only key for the API key exporter' : pick(ctx.random, ORG_KEY_DESCRIPTIONS),
      id: ctx.keyIds.next(),
      privateKey: redactPrivateKey(secret),
      publicKey,
      roles: [{ roleName: g === 0 ? 'GLOBAL_READ_ONLY' : pick(ctx.random, ['GLOBAL_READ_ONLY', 'GLOBAL_OWNER', 'GLOBAL_MONITORING_ADMIN'] as const) }],
    };
    if (g === 0) {
      credentials.push({ kind: 'digest', publicKey, privateKey: secret, orgIds: orgs.map((org) => org.id), projectIds: orgs.flatMap((org) => org.projectIds), globalReadOnly: true });
    }
    return key;
  });
}

/**
 * The organisations' part of a data set. Each organisation holds a contiguous share of `projects`;
 * `takenPublicKeys` (the Cloud Manager credentials') are never derived again. Every part draws
 * from the streams of `ctx` in this order, so the order of the steps below fixes every value.
 */
export function generateOrganizations(
  seed: number,
  now: number,
  options: OrganizationDatasetOptions,
  projects: readonly ProjectRef[],
  takenPublicKeys: Iterable<string>,
): GeneratedOrganizations {
  const orgCount = organizationCount(options, 'orgs');
  const sizes: Sizes = {
    keysPerOrg: organizationCount(options, 'programmaticKeysPerOrg'),
    keysPerProject: organizationCount(options, 'programmaticKeysPerProject'),
    accountsPerOrg: organizationCount(options, 'serviceAccountsPerOrg'),
    accountsPerProject: organizationCount(options, 'serviceAccountsPerProject'),
    secretsPerAccount: organizationCount(options, 'secretsPerServiceAccount'),
  };
  const globalKeys = organizationCount(options, 'globalKeys');
  const ctx: OrganizationContext = {
    seed,
    now,
    // The stream's name is part of its seed: renaming it would change every generated value.
    random: randomStream(seed, 'more-kinds'),
    orgIds: new IdFactory(seed, ID_KINDS.org),
    keyIds: new IdFactory(seed, ID_KINDS.programmaticKey),
    secretIds: new IdFactory(seed, ID_KINDS.serviceAccountSecret),
    accountIds: new IdFactory(seed, ID_KINDS.serviceAccount),
    publicKeys: new PublicKeys(seed, takenPublicKeys),
    accessIndex: 0,
    secretIndex: 0,
    accessListRandom: randomStream(seed, 'sa-access-lists'),
    accessListIndex: 0,
  };
  const credentials: SimOrgCredential[] = [];
  const orgs = Array.from({ length: orgCount }, (_, o) => generateOrg(ctx, o, share(projects, o, orgCount), sizes, credentials));
  const projectOrgIds = new Map(orgs.flatMap((org) => org.projectIds.map((projectId) => [projectId, org.id] as const)));
  const orgIdOf = (project: ProjectRef): string => projectOrgIds.get(project.id) ?? project.orgId;
  const orgsById = new Map(orgs.map((org) => [org.id, org]));
  const projectParts = new Map<string, ProjectAdminApiPart>();
  if (sizes.keysPerProject > 0 || sizes.accountsPerProject > 0) {
    projects.forEach((project, p) => {
      const orgId = orgIdOf(project);
      projectParts.set(project.id, generateProjectResources(ctx, project, p, orgId, orgsById.get(orgId), sizes));
    });
  }
  const dataset: OrganizationDataset = {};
  if (orgCount > 0) dataset.orgs = orgs;
  if (globalKeys > 0) dataset.globalApiKeys = generateGlobalKeys(ctx, globalKeys, orgs, credentials);
  // Last, and from their own streams, so the data above stays what it is without them.
  const assignedPerProject = organizationCount(options, 'assignedServiceAccountsPerProject');
  if (assignedPerProject > 0) {
    const random = randomStream(seed, 'sa-assignments');
    projects.forEach((project, p) => {
      const accounts = orgsById.get(orgIdOf(project))?.serviceAccounts ?? [];
      const assigned = Math.min(assignedPerProject, accounts.length);
      if (assigned === 0) return;
      const part = projectParts.get(project.id) ?? {};
      part.assignedServiceAccounts = Array.from({ length: assigned }, (_, a) => ({
        clientId: accounts[(p + a) % accounts.length]?.['clientId'] as string,
        roles: [pick(random, GROUP_ROLES)],
      }));
      projectParts.set(project.id, part);
    });
  }
  addSystemManagedAccounts(ctx, orgs, sizes.secretsPerAccount, organizationCount(options, 'systemManagedServiceAccountsPerOrg'));
  const deleted = deletedOrgs(seed, organizationCount(options, 'deletedOrgs'));
  if (deleted.length > 0) {
    dataset.orgs = [...orgs, ...deleted];
    for (const credential of credentials) if (credential.kind === 'oauth' || credential.globalReadOnly !== true) credential.orgIds.push(...deleted.map((org) => org.id));
  }
  if (credentials.length > 0) dataset.orgCredentials = credentials;
  return { dataset, projectOrgIds, projectParts };
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
  const ids = new IdFactory(seed, ID_KINDS.deletedOrg);
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
