import type { Dataset, SimCredential, SimOrg, SimOrgCredential, SimProject, SimUser } from './dataset/index.js';
import { LiveIndex } from './live-index.js';

/**
 * Which credentials a route accepts: personal keys (`username:apiKey`), Cloud Manager programmatic
 * keys (`publicKey:privateKey`), or (`v2`) any programmatic key: the Cloud Manager ones and the
 * digest organization credentials.
 */
export type CredentialStore = 'users' | 'credentials' | 'any' | 'v2';

/** Who a request authenticated as. */
export type Principal =
  | { kind: 'user'; user: SimUser }
  | { kind: 'credential'; credential: SimCredential }
  | { kind: 'org'; credential: SimOrgCredential; via: 'digest' | 'bearer' };

const NONE: never[] = [];

/** O(1) lookups into a live {@link Dataset} that tests may change between requests. */
export class DatasetView {

  readonly #dataset: () => Dataset;
  readonly usersByName: LiveIndex<SimUser>;
  readonly projectsById: LiveIndex<SimProject>;
  readonly credentialsByPublicKey: LiveIndex<SimCredential>;
  readonly orgsById: LiveIndex<SimOrg>;
  /** Digest credentials by public key, OAuth credentials by `oauth:<clientId>`. */
  readonly orgCredentials: LiveIndex<SimOrgCredential>;
  readonly #holdings = new WeakMap<SimCredential, LiveIndex<string>>();

  constructor(dataset: () => Dataset) {
    this.#dataset = dataset;
    this.usersByName = new LiveIndex(() => this.#dataset().users, (user) => user.username);
    this.projectsById = new LiveIndex(() => this.#dataset().projects, (project) => project.id);
    this.credentialsByPublicKey = new LiveIndex(() => this.#dataset().credentials, (credential) => credential.publicKey);
    this.orgsById = new LiveIndex(() => this.#dataset().orgs ?? NONE, (org) => org.id);
    this.orgCredentials = new LiveIndex(
      () => this.#dataset().orgCredentials ?? NONE,
      (credential) => (credential.kind === 'digest' ? credential.publicKey : `oauth:${credential.clientId}`),
    );
  }

  /** The live data set. */
  get dataset(): Dataset {
    return this.#dataset();
  }

  /** The principal a digest username names in a credential store. */
  principal(store: CredentialStore, username: string): Principal | undefined {
    if (store !== 'credentials' && store !== 'v2') {
      const user = this.usersByName.get(username);
      if (user !== undefined) return { kind: 'user', user };
    }
    if (store !== 'users') {
      const credential = this.credentialsByPublicKey.get(username);
      if (credential !== undefined) return { kind: 'credential', credential };
    }
    if ((store === 'v2' || store === 'any') && !username.startsWith('oauth:')) {
      const credential = this.orgCredentials.get(username);
      if (credential !== undefined && credential.kind === 'digest') return { kind: 'org', credential, via: 'digest' };
    }
    return undefined;
  }

  /** The OAuth credential of a service account client id. */
  oauthClient(clientId: string): Extract<SimOrgCredential, { kind: 'oauth' }> | undefined {
    const credential = this.orgCredentials.get(`oauth:${clientId}`);
    return credential?.kind === 'oauth' ? credential : undefined;
  }

  /**
   * From now on, only `secret` authenticates `id`: a username, a public key (Cloud Manager or
   * organisation) or a service account's client id. False when no credential has that id.
   */
  rotateSecret(id: string, secret: string): boolean {
    const user = this.usersByName.get(id);
    if (user !== undefined) user.apiKey = secret;
    const credential = this.credentialsByPublicKey.get(id);
    if (credential !== undefined) credential.privateKey = secret;
    const digest = id.startsWith('oauth:') ? undefined : this.orgCredentials.get(id);
    if (digest?.kind === 'digest') digest.privateKey = secret;
    const oauth = this.oauthClient(id);
    if (oauth !== undefined) oauth.clientSecret = secret;
    return user !== undefined || credential !== undefined || digest?.kind === 'digest' || oauth !== undefined;
  }

  /** Whether a credential has Project Read Only on a project. */
  holds(credential: SimCredential, projectId: string): boolean {
    let index = this.#holdings.get(credential);
    if (index === undefined) {
      index = new LiveIndex(() => credential.projectIds, (id) => id);
      this.#holdings.set(credential, index);
    }
    return index.has(projectId);
  }
}

/** The secret a principal authenticates with (by digest; an OAuth principal has none here). */
export function secretOf(principal: Principal): string {
  if (principal.kind === 'user') return principal.user.apiKey;
  if (principal.kind === 'credential') return principal.credential.privateKey;
  return principal.credential.kind === 'digest' ? principal.credential.privateKey : '';
}
