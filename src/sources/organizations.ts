import { z } from 'zod';
import { Credential } from '../atlas/credential.js';
import type { OrganizationEntry } from '../config/load.js';
import { failureOf } from '../errors/failure.js';
import type { ApiKey, KeyKind } from '../model/api-key.js';
import type { Scope } from '../model/scope.js';
import type { ScopeFailure } from '../model/snapshot.js';
import { mapItems } from './fields.js';
import type { ScopeListing, Source, SourceContext } from './source.js';

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

/** What one cycle found: the organisations, their projects (with includeProjects), or why discovery failed. */
export interface Directory {
  readonly orgs: readonly Owner[];
  readonly projects: readonly Owner[];
  readonly failure?: ScopeFailure;
}

const ownerSchema = z.looseObject({ id: z.string().min(1), name: z.string().optional() });

/**
 * The organisations one `organizations:` entry reads, listed once per cycle and shared by the
 * kinds that read them (programmatic keys, service accounts): listed `ids`, plus `GET /orgs` with
 * `discover`, plus each one's projects with `includeProjects`. When discovery fails, the last list
 * stands.
 */
export class OrganizationDirectory {
  readonly credential: Credential;
  readonly entry: OrganizationEntry;
  /** Atlas Admin API v2, or Cloud/Ops Manager's v1.0 (no media types, no org settings, no service accounts). */
  readonly v2: boolean;
  #cycle = -1;
  #current: Promise<Directory> | undefined;
  /** This cycle's listings of organisation-level keys, by kind and organisation, shared by org and project scopes. */
  #listings = new Map<string, Promise<unknown[]>>();
  #last: Directory = { orgs: [], projects: [] };

  constructor(entry: OrganizationEntry) {
    this.entry = entry;
    const { auth } = entry;
    this.credential =
      auth.scheme === 'digest'
        ? new Credential(auth.publicKey, auth.privateKey, entry.baseUrl)
        : new Credential(auth.clientId, auth.clientSecret, entry.baseUrl, { tokenUrl: auth.tokenUrl });
    this.v2 = new URL(entry.baseUrl).pathname.startsWith('/api/atlas/v2');
  }

  /** The media type for the generic resources of this entry's API. */
  get accept(): string | undefined {
    return this.v2 ? V2_MEDIA_TYPE : undefined;
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
    const discovers = this.entry.discover || this.entry.includeProjects;
    return { scopes, failed: [], ...(discovers ? { discovery: directory.failure ? { failure: directory.failure } : {} } : {}) };
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

  /** The organisation-level listing of one kind, fetched once per cycle whoever asks first. */
  orgListing(kind: KeyKind, orgId: string, fetch: () => Promise<unknown[]>): Promise<unknown[]> {
    const key = `${kind}/${orgId}`;
    let listing = this.#listings.get(key);
    if (listing === undefined) {
      listing = fetch();
      // Awaited by the scope that asked; a project scope that only peeks must not leave it unhandled.
      listing.catch(() => undefined);
      this.#listings.set(key, listing);
    }
    return listing;
  }

  /**
   * The ids a project listing shares with its organisation's listing (same kind, this cycle):
   * a key or account assigned to a project is listed by both, and is published once, under the
   * organisation. Empty when the organisation is not read or its listing failed.
   */
  async sharedWithOrg(kind: KeyKind, projectId: string, idOf: (item: unknown) => unknown): Promise<ReadonlySet<unknown>> {
    const orgId = (await this.#current)?.projects.find((project) => project.id === projectId)?.orgId;
    const listing = orgId === undefined ? undefined : this.#listings.get(`${kind}/${orgId}`);
    if (listing === undefined) return new Set();
    try {
      return new Set((await listing).map(idOf));
    } catch {
      return new Set();
    }
  }

  async #discover(context: SourceContext): Promise<Directory> {
    const { client, signal } = context;
    const options = this.accept ? { accept: this.accept } : {};
    try {
      const listed: Owner[] = this.entry.ids.map((id) => ({ id }));
      const discovered = this.entry.discover
        ? mapItems(await client.getAllPages(this.credential, '/orgs', signal, options), ownerSchema, `${this.entry.baseUrl}/orgs`)
        : [];
      const names = new Map(discovered.map((org) => [org.id, org.name]));
      const orgs = uniqueById([...listed, ...discovered]).map((org) => withName(org, names.get(org.id)));
      const projects = this.entry.includeProjects
        ? (
            await Promise.all(
              orgs.map(async (org) => {
                const path = `/orgs/${encodeURIComponent(org.id)}/groups`;
                const items = mapItems(await client.getAllPages(this.credential, path, signal, options), ownerSchema, `${this.entry.baseUrl}${path}`);
                return items.map((project) => ({ ...withName({ id: project.id }, project.name), orgId: org.id }));
              }),
            )
          ).flat()
        : [];
      this.#last = { orgs, projects };
      return this.#last;
    } catch (error) {
      if (signal.aborted) throw error;
      return { ...this.#last, failure: failureOf(error) };
    }
  }
}

function uniqueById(owners: readonly Owner[]): Owner[] {
  const seen = new Set<string>();
  return owners.filter((owner) => !seen.has(owner.id) && seen.add(owner.id));
}

function withName(owner: Owner, name: string | undefined): Owner {
  return name === undefined ? owner : { ...owner, name };
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
