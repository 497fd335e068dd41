import { z } from 'zod';
import type { RequestOptions } from '../atlas/client.js';
import { connectionOf } from '../atlas/connection.js';
import { Credential } from '../atlas/credential.js';
import type { OrganizationEntry } from '../config/load.js';
import { failureOf } from '../errors/failure.js';
import type { ApiKey, KeyKind } from '../model/api-key.js';
import type { Scope } from '../model/scope.js';
import { mapItems } from './fields.js';
import type { Discovery, ScopeListing, Source, SourceContext } from './source.js';

/** The Atlas Admin API v2 versions its resources by media type. */
export const V2_MEDIA_TYPE = 'application/vnd.atlas.2023-01-01+json';
export const SERVICE_ACCOUNTS_MEDIA_TYPE = 'application/vnd.atlas.2024-08-05+json';

/** An organisation or project one organizations entry covers. */
export interface Owner {
  readonly id: string;
  readonly name?: string;
  /** For a project: its organisation. */
  readonly orgId?: string;
}

/** What one cycle found: the organisations, their projects (with includeProjects), and how each discovery listing went. */
export interface Directory {
  readonly orgs: readonly Owner[];
  readonly projects: readonly Owner[];
  readonly discovery: readonly Discovery[];
}

/**
 * An organisation (`AtlasOrganization`) or project (`Group`) as the listings send it: `name` is
 * required, `id` is not. An item without an id cannot be polled and is left out.
 */
const ownerSchema = z.looseObject({ id: z.string().nullish(), name: z.string(), isDeleted: z.boolean().nullish() });

/**
 * The owners a listing names, set apart from the deleted organisations (`GET /orgs` lists them;
 * their sub-resources answer 404) and from the items that have no id (named by their names). Pure.
 */
export function listedOwners(items: readonly unknown[], url: string): { readonly owners: Owner[]; readonly deleted: ReadonlySet<string>; readonly withoutId: readonly string[] } {
  const owners: Owner[] = [];
  const deleted = new Set<string>();
  const withoutId: string[] = [];
  for (const item of mapItems(items, ownerSchema, url)) {
    if (!item.id) withoutId.push(item.name);
    else if (item.isDeleted === true) deleted.add(item.id);
    else owners.push({ id: item.id, name: item.name });
  }
  return { owners, deleted, withoutId };
}

/**
 * The organisations one `organizations:` entry reads, listed once per cycle and shared by the
 * kinds that read them (programmatic keys, service accounts): listed `ids`, plus `GET /orgs` with
 * `discover`, plus each one's projects with `includeProjects`. Each listing fails on its own: a
 * failed `GET /orgs` keeps the last organisations, a failed `GET /orgs/{orgId}/groups` that
 * organisation's last projects.
 */
export class OrganizationDirectory {
  readonly credential: Credential;
  readonly entry: OrganizationEntry;
  /** Atlas Admin API v2, or Cloud/Ops Manager's v1.0 (no media types, no org settings, no service accounts). */
  readonly v2: boolean;
  #cycle = -1;
  #current: Promise<Directory> | undefined;
  /** This cycle's listings of keys, by kind and owner, shared by the org and project scopes that read them. */
  #listings = new Map<string, Promise<unknown>>();
  /** The last organisations `GET /orgs` gave, and the ones it marked deleted. */
  #lastDiscovered: readonly Owner[] = [];
  #lastDeleted: ReadonlySet<string> = new Set();
  /** The last projects of each organisation. */
  #lastProjects: ReadonlyMap<string, readonly Owner[]> = new Map();

  constructor(entry: OrganizationEntry) {
    this.entry = entry;
    const { auth } = entry;
    this.credential =
      auth.scheme === 'digest'
        ? new Credential(auth.publicKey, auth.privateKey, entry.baseUrl, undefined, connectionOf(entry))
        : new Credential(auth.clientId, auth.clientSecret, entry.baseUrl, { tokenUrl: auth.tokenUrl }, connectionOf(entry));
    this.v2 = new URL(entry.baseUrl).pathname.startsWith('/api/atlas/v2');
  }

  /** The request options of the generic resources of this entry's API: the v2 media type, or none. */
  get requestOptions(): RequestOptions {
    return this.v2 ? { accept: V2_MEDIA_TYPE } : {};
  }

  /** The scopes of one kind this cycle: every organisation, and every project with includeProjects. */
  async scopes(kind: KeyKind, context: SourceContext): Promise<ScopeListing> {
    const directory = await this.list(context);
    const scope = (owner: Owner, type: 'org' | 'project'): Scope => ({
      kind,
      owner: type,
      id: owner.id,
      credentialId: this.credential.id,
      ...(owner.name ? { name: owner.name } : {}),
      ...(owner.orgId ? { orgId: owner.orgId } : {}),
    });
    const scopes = [...directory.orgs.map((org) => scope(org, 'org')), ...directory.projects.map((project) => scope(project, 'project'))];
    return { scopes, failed: [], ...(directory.discovery.length > 0 ? { discovery: directory.discovery } : {}) };
  }

  /** This cycle's directory; the first caller of a cycle fetches it, the others share it. */
  list(context: SourceContext): Promise<Directory> {
    if (this.#cycle !== context.cycle || this.#current === undefined) {
      this.#cycle = context.cycle;
      this.#current = this.#discover(context);
      this.#listings = new Map();
    }
    return this.#current;
  }

  /** The projects of one organisation in this cycle's directory. */
  async projectsOf(orgId: string, context: SourceContext): Promise<readonly Owner[]> {
    return (await this.list(context)).projects.filter((project) => project.orgId === orgId);
  }

  /** The organisation-level listing of one kind, fetched once per cycle whoever asks first. */
  orgListing(kind: KeyKind, orgId: string, fetch: () => Promise<unknown[]>): Promise<unknown[]> {
    return this.#shared(`${kind}/org/${orgId}`, fetch);
  }

  /** The project-level listing of one kind, fetched once per cycle whoever asks first. */
  projectListing(kind: KeyKind, projectId: string, fetch: () => Promise<unknown[]>): Promise<unknown[]> {
    return this.#shared(`${kind}/project/${projectId}`, fetch);
  }

  /** Whether an organisation requires an API access list, read once per cycle for every kind of the entry. */
  orgAccessListRequired(orgId: string, fetch: () => Promise<boolean | undefined>): Promise<boolean | undefined> {
    return this.#shared(`settings/${orgId}`, fetch);
  }

  #shared<T>(key: string, fetch: () => Promise<T>): Promise<T> {
    let listing = this.#listings.get(key) as Promise<T> | undefined;
    if (listing === undefined) {
      listing = fetch();
      // Awaited by the scope that asked; a scope that only peeks must not leave it unhandled.
      listing.catch(() => undefined);
      this.#listings.set(key, listing);
    }
    return listing;
  }

  async #discover(context: SourceContext): Promise<Directory> {
    const discovery: Discovery[] = [];
    const listed: Owner[] = this.entry.ids.map((id) => ({ id }));
    if (this.entry.discover) {
      try {
        const listing = this.#owners(await context.client.getAllPages(this.credential, '/orgs', context.signal, this.requestOptions), '/orgs', context);
        this.#lastDiscovered = listing.owners;
        this.#lastDeleted = listing.deleted;
        discovery.push({});
      } catch (error) {
        if (context.signal.aborted) throw error;
        discovery.push({ failure: failureOf(error) });
      }
    }
    const names = new Map(this.#lastDiscovered.map((org) => [org.id, org.name]));
    // A listed id that GET /orgs reports deleted is not polled either: its sub-resources answer 404.
    const orgs = uniqueById([...listed, ...this.#lastDiscovered])
      .filter((org) => !this.#lastDeleted.has(org.id))
      .map((org) => withName(org, names.get(org.id)));
    if (!this.entry.includeProjects) return { orgs, projects: [], discovery };
    const perOrg = await Promise.all(orgs.map((org) => this.#projectsOf(org, context)));
    this.#lastProjects = new Map(perOrg.map(({ orgId, projects }) => [orgId, projects]));
    return { orgs, projects: perOrg.flatMap(({ projects }) => projects), discovery: [...discovery, ...perOrg.map(({ discovery }) => discovery)] };
  }

  /** One organisation's projects, and how listing them went; on failure its last known ones. */
  async #projectsOf(org: Owner, context: SourceContext): Promise<{ orgId: string; projects: readonly Owner[]; discovery: Discovery }> {
    const path = `/orgs/${encodeURIComponent(org.id)}/groups`;
    try {
      const listing = this.#owners(await context.client.getAllPages(this.credential, path, context.signal, this.requestOptions), path, context);
      return { orgId: org.id, projects: listing.owners.map((project) => ({ ...project, orgId: org.id })), discovery: { orgId: org.id } };
    } catch (error) {
      if (context.signal.aborted) throw error;
      return { orgId: org.id, projects: this.#lastProjects.get(org.id) ?? [], discovery: { orgId: org.id, failure: failureOf(error) } };
    }
  }

  #owners(items: readonly unknown[], path: string, context: SourceContext): ReturnType<typeof listedOwners> {
    const url = `${this.entry.baseUrl}${path}`;
    const listing = listedOwners(items, url);
    if (listing.withoutId.length > 0) context.log.warn({ credential: this.credential.id, url, names: listing.withoutId }, 'listed without an id; not polled');
    return listing;
  }
}

function uniqueById(owners: readonly Owner[]): Owner[] {
  const seen = new Set<string>();
  return owners.filter((owner) => !seen.has(owner.id) && seen.add(owner.id));
}

function withName(owner: Owner, name: string | undefined): Owner {
  return name === undefined ? owner : { ...owner, name };
}

/**
 * A project's listing against its organisation's: what the organisation lists too (an
 * organisation's key or account assigned to the project, published under the organisation) and
 * what only the project lists. Items without an id are the project's. Pure.
 */
export function splitListing<T>(orgItems: readonly T[], projectItems: readonly T[], idOf: (item: T) => unknown): { readonly shared: readonly T[]; readonly own: readonly T[] } {
  const ofOrg = new Set<unknown>(orgItems.map(idOf).filter((id) => id != null));
  const shared: T[] = [];
  const own: T[] = [];
  for (const item of projectItems) {
    const id = idOf(item);
    (id != null && ofOrg.has(id) ? shared : own).push(item);
  }
  return { shared, own };
}

/** What the kinds that read organisations share: one directory per entry, and the scopes it lists. */
export abstract class OrganizationSource implements Source {
  abstract readonly kind: KeyKind;
  readonly credential: Credential;
  protected readonly directory: OrganizationDirectory;

  constructor(directory: OrganizationDirectory) {
    this.directory = directory;
    this.credential = directory.credential;
  }

  listScopes(context: SourceContext): Promise<ScopeListing> {
    return this.directory.scopes(this.kind, context);
  }

  abstract fetchKeys(scope: Scope, context: SourceContext): Promise<readonly ApiKey[]>;
}
