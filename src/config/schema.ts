import { createPrivateKey, X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { ClientTls } from './tls.js';
import { parseDuration } from './duration.js';
import { Secret } from './secret.js';

/** `poll.maxResponseBytes`: five times a page of 500 keys with 100 project roles each (README). */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
export const DEFAULT_ATLAS_BASE_URL = 'https://cloud.mongodb.com/api/atlas/v1.0';
export const DEFAULT_PUBLIC_BASE_URL = 'https://cloud.mongodb.com/api/public/v1.0';
export const DEFAULT_ADMIN_V2_BASE_URL = 'https://cloud.mongodb.com/api/atlas/v2';

const OBJECT_ID = /^[0-9a-f]{24}$/;

const duration = (fallback: string, minimumMs: number) =>
  z
    .union([z.number(), z.string()])
    .default(fallback)
    .transform((value, context) => {
      const ms = parseDuration(value);
      if (ms === undefined) {
        context.addIssue({ code: 'custom', message: `not a duration: ${JSON.stringify(value)} (use e.g. 300, "300s", "5m", "1h")` });
        return z.NEVER;
      }
      if (ms < minimumMs) {
        context.addIssue({ code: 'custom', message: `must be at least ${minimumMs / 1000}s` });
        return z.NEVER;
      }
      return ms;
    });

const httpUrl = z.string().transform((value, context) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // The value is not echoed: a URL that fails to parse may still carry a password.
    context.addIssue({ code: 'custom', message: 'not a valid URL' });
    return z.NEVER;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    context.addIssue({ code: 'custom', message: 'must be an http or https URL' });
    return z.NEVER;
  }
  // Credentials in a URL end up in logs and error messages: they belong in the key fields.
  if (url.username || url.password) {
    context.addIssue({ code: 'custom', message: 'must not contain credentials; use the key fields' });
    return z.NEVER;
  }
  if (url.search || url.hash) {
    context.addIssue({ code: 'custom', message: 'must not contain a query or fragment' });
    return z.NEVER;
  }
  return url.href.replace(/\/+$/, '');
});

/** An http(s) URL without credentials, query or fragment; the default goes through the same checks. */
const baseUrl = (fallback: string) => z.string().default(fallback).pipe(httpUrl);

const nonEmpty = z.string().trim().min(1, 'must not be empty');

/** The fields that hold a secret: each written inline, or as the path of a file in `<field>File`. */
export const SECRET_FIELDS = ['apiKey', 'privateKey', 'clientSecret', 'proxyUrl'] as const;
export type SecretField = (typeof SECRET_FIELDS)[number];

/** A secret's two fields for a schema's shape: inline, and the file that holds it. */
function secret<const S extends SecretField>(name: S): Record<S | `${S}File`, z.ZodOptional<typeof nonEmpty>> {
  return { [name]: nonEmpty.optional(), [`${name}File`]: nonEmpty.optional() } as Record<S | `${S}File`, z.ZodOptional<typeof nonEmpty>>;
}

/** Why a proxy URL cannot be used, or undefined; never echoes the value, which may carry a password. */
export function proxyUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'not a valid URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http or https URL';
  if (url.pathname !== '/' || url.search || url.hash) return 'must be a scheme, host and port only (http://[user:password@]host:port)';
  return undefined;
}

const proxyUrl = nonEmpty.superRefine((value, context) => {
  const problem = proxyUrlProblem(value);
  if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
});

/** How an entry reaches its API: a proxy of its own (inline or from a file) and TLS options. */
const connectionFields = {
  proxyUrl: proxyUrl.optional(),
  proxyUrlFile: nonEmpty.optional(),
  tls: z
    .strictObject({
      caFile: nonEmpty.optional(),
      certFile: nonEmpty.optional(),
      keyFile: nonEmpty.optional(),
      serverName: nonEmpty.optional(),
      insecureSkipVerify: z.boolean().default(false),
    })
    .superRefine((tls, context) => {
      if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
        context.addIssue({ code: 'custom', message: 'give certFile and keyFile together', path: [tls.certFile === undefined ? 'certFile' : 'keyFile'] });
      }
    })
    .optional(),
};

const objectId = z.string().regex(OBJECT_ID, 'must be a 24-character hexadecimal id');

const pollSchema = z
  .strictObject({
    interval: duration('5m', 1_000),
    concurrency: z.number().int().min(1).max(256).default(8),
    timeout: duration('30s', 100),
    retries: z.number().int().min(0).max(10).default(3),
    // Longer than a scope-down alert takes to fire, so a failing scope's key alerts do not resolve first.
    staleAfter: duration('1h', 0),
    // 16 MiB: five times a page of 500 keys that each hold 100 project roles (~3 MB); see docs/network.md.
    maxResponseBytes: z.number().int().min(65_536).max(1024 * 1024 * 1024).default(DEFAULT_MAX_RESPONSE_BYTES),
    maxRequestsPerSecond: z.number().positive().max(10_000).optional(),
  })
  .prefault({});

const userSchema = z
  .strictObject({
    username: nonEmpty,
    ...secret('apiKey'),
    userId: objectId.optional(),
    baseUrl: baseUrl(DEFAULT_ATLAS_BASE_URL),
    ...connectionFields,
  })
  .superRefine((user, context) => {
    exactlyOne(user, 'apiKey', context);
    atMostOne(user, 'proxyUrl', context);
  });

const projectSchema = z
  .strictObject({
    publicKey: nonEmpty,
    ...secret('privateKey'),
    baseUrl: baseUrl(DEFAULT_PUBLIC_BASE_URL),
    ids: z.array(objectId).default([]),
    discover: z.boolean().default(false),
    ...connectionFields,
  })
  .superRefine((project, context) => {
    exactlyOne(project, 'privateKey', context);
    atMostOne(project, 'proxyUrl', context);
    if (project.ids.length === 0 && !project.discover) {
      context.addIssue({ code: 'custom', message: 'lists no project: give ids, or set discover: true', path: ['ids'] });
    }
  });

const organizationSchema = z
  .strictObject({
    publicKey: nonEmpty.optional(),
    ...secret('privateKey'),
    clientId: nonEmpty.optional(),
    ...secret('clientSecret'),
    baseUrl: baseUrl(DEFAULT_ADMIN_V2_BASE_URL),
    tokenUrl: httpUrl.optional(),
    ids: z.array(objectId).default([]),
    discover: z.boolean().default(false),
    /** Ops Manager's global API keys (`GET /admin/apiKeys`); at most one entry. */
    globalKeys: z.boolean().default(false),
    apiKeys: z.boolean().default(true),
    accessLists: z.boolean().default(true),
    serviceAccounts: z.boolean().default(true),
    /** Asks the service-account listings for system-managed accounts too (the API leaves them out by default). */
    includeSystemManaged: z.boolean().default(false),
    includeProjects: z.boolean().default(false),
    /** The organisations' (and with includeProjects, projects') event trails: who created and changed keys. */
    events: z.boolean().default(true),
    /** How far back the first read of a trail goes (after every start). */
    eventsLookback: duration('90d', 60_000),
    ...connectionFields,
  })
  .superRefine((org, context) => {
    atMostOne(org, 'proxyUrl', context);
    const digest = org.publicKey !== undefined;
    const oauth = org.clientId !== undefined;
    if (digest === oauth) {
      context.addIssue({ code: 'custom', message: 'give publicKey (digest) or clientId (OAuth), not both', path: ['publicKey'] });
      return;
    }
    exactlyOne(org, digest ? 'privateKey' : 'clientSecret', context);
    if (digest && (org.clientSecret !== undefined || org.clientSecretFile !== undefined)) {
      context.addIssue({ code: 'custom', message: 'a clientSecret goes with a clientId', path: ['clientSecret'] });
    }
    if (oauth && (org.privateKey !== undefined || org.privateKeyFile !== undefined)) {
      context.addIssue({ code: 'custom', message: 'a privateKey goes with a publicKey', path: ['privateKey'] });
    }
    // An entry may read only the global keys of its Ops Manager.
    if (org.ids.length === 0 && !org.discover && !org.globalKeys) {
      context.addIssue({ code: 'custom', message: 'lists no organization: give ids, or set discover: true', path: ['ids'] });
    }
    if (!org.apiKeys && !org.serviceAccounts && !org.globalKeys) {
      context.addIssue({ code: 'custom', message: 'collects nothing: set apiKeys or serviceAccounts', path: ['apiKeys'] });
    }
    // Service accounts exist only in the Atlas Admin API v2.
    if (org.serviceAccounts && !new URL(org.baseUrl).pathname.startsWith('/api/atlas/v2')) {
      context.addIssue({ code: 'custom', message: 'service accounts need the Atlas Admin API v2 (a baseUrl ending in /api/atlas/v2); set serviceAccounts: false', path: ['serviceAccounts'] });
    }
    // Global API keys exist only in Ops Manager.
    if (org.globalKeys && !new URL(org.baseUrl).pathname.startsWith('/api/public/v1.0')) {
      context.addIssue({ code: 'custom', message: "global API keys need Ops Manager's API (a baseUrl ending in /api/public/v1.0)", path: ['globalKeys'] });
    }
  });

/** The config file as written, before secret files are read. */
export const configFileSchema = z
  .strictObject({
    poll: pollSchema,
    users: z.array(userSchema).default([]),
    projects: z.array(projectSchema).default([]),
    organizations: z.array(organizationSchema).default([]),
  })
  .superRefine((config, context) => {
    if (config.users.length === 0 && config.projects.length === 0 && config.organizations.length === 0) {
      context.addIssue({ code: 'custom', message: 'no scope to poll: add at least one entry under users, projects or organizations' });
    }
    if (config.poll.timeout > config.poll.interval) {
      context.addIssue({ code: 'custom', message: 'must not be longer than poll.interval', path: ['poll', 'timeout'] });
    }
    reportDuplicates(config.users.map((user, index) => ({ key: `${user.baseUrl} ${user.username}`, path: ['users', index, 'username'] })), 'duplicate username', context);
    reportDuplicates(
      config.projects.flatMap((project, index) => project.ids.map((id, idIndex) => ({ key: `${project.baseUrl} ${id}`, path: ['projects', index, 'ids', idIndex] }))),
      'duplicate project id',
      context,
    );
    reportDuplicates(
      config.organizations.flatMap((org, index) =>
        org.ids.map((id, idIndex) => ({ key: `${org.baseUrl} ${org.publicKey ?? org.clientId} ${id}`, path: ['organizations', index, 'ids', idIndex] })),
      ),
      'duplicate organization id for this credential',
      context,
    );
    // The global keys are one scope with no owner label: a second instance's series would collide with the first's.
    config.organizations.forEach((org, index) => {
      if (org.globalKeys && config.organizations.findIndex((first) => first.globalKeys) < index) {
        context.addIssue({ code: 'custom', message: 'only one organizations entry may set globalKeys: true', path: ['organizations', index, 'globalKeys'] });
      }
    });
  });

export type ConfigFile = z.output<typeof configFileSchema>;

/**
 * Reads the file a `…File` secret field names: `name` is the secret field (`apiKey`), `at` that
 * field's path in the config (for the error).
 */
export type SecretReader = (name: string, at: string, path: string) => Promise<Secret>;

/**
 * The configuration in force: the file's schema with every secret as a {@link Secret} (inline, or
 * read from its file and re-read when it changes), an organization's credential as one `auth`, and
 * the poll durations named by their unit. Every other field passes through as the file's schema
 * outputs it, in the same order.
 */
export const configSchema = (readSecret: SecretReader) =>
  configFileSchema.transform(async (file, context) => {
    const users = await Promise.all(
      file.users.map(async (user, index) => withConnection(await withSecret(user, 'apiKey', `users[${index}]`, readSecret), ['users', index], readSecret, context)),
    );
    const projects = await Promise.all(
      file.projects.map(async (project, index) => withConnection(await withSecret(project, 'privateKey', `projects[${index}]`, readSecret), ['projects', index], readSecret, context)),
    );
    const organizations = await Promise.all(
      file.organizations.map(async ({ publicKey, privateKey, privateKeyFile, clientId, clientSecret, clientSecretFile, tokenUrl, ...entry }, index) => {
        const at = `organizations[${index}]`;
        const org = await withConnection(entry, ['organizations', index], readSecret, context);
        // A programmatic key over digest, or a service account over OAuth 2.0.
        const auth =
          publicKey !== undefined
            ? { scheme: 'digest' as const, publicKey, privateKey: await secretValue({ privateKey, privateKeyFile }, 'privateKey', at, readSecret) }
            : {
                scheme: 'oauth' as const,
                clientId: clientId ?? '',
                clientSecret: await secretValue({ clientSecret, clientSecretFile }, 'clientSecret', at, readSecret),
                tokenUrl: tokenUrl ?? `${new URL(org.baseUrl).origin}/api/oauth/token`,
              };
        return { auth, ...renamed(org, { eventsLookback: 'eventsLookbackMs' }) };
      }),
    );
    return { poll: renamed(file.poll, { interval: 'intervalMs', timeout: 'timeoutMs', staleAfter: 'staleAfterMs' }), users, projects, organizations };
  });

type SecretFields<S extends SecretField> = { readonly [K in S | `${S}File`]?: string | undefined };

/** A secret: inline, or read from its file (the file's schema lets exactly one through). */
async function secretValue<S extends SecretField>(entry: SecretFields<S>, name: S, at: string, readSecret: SecretReader): Promise<Secret> {
  const file: `${S}File` = `${name}File`;
  const inline = entry[name];
  return inline !== undefined ? new Secret(name, inline) : readSecret(name, `${at}.${file}`, entry[file] ?? '');
}

/** The entry with a secret's two fields replaced by its {@link Secret}, where they stood. */
async function withSecret<T extends SecretFields<S>, S extends SecretField>(entry: T, name: S, at: string, readSecret: SecretReader): Promise<Omit<T, S | `${S}File`> & Record<S, Secret>> {
  const value = await secretValue(entry, name, at, readSecret);
  const fields = Object.entries(entry).map(([key, field]): [string, unknown] => (key === name || key === `${name}File` ? [name, value] : [key, field]));
  return Object.fromEntries(fields) as Omit<T, S | `${S}File`> & Record<S, Secret>;
}

type Renamed<T, M> = { [K in keyof T as K extends keyof M ? NonNullable<M[K]> & string : K]: T[K] };

/** The object with some keys renamed, in their places. */
function renamed<T extends object, const M extends { readonly [K in keyof T]?: string }>(value: T, names: M): Renamed<T, M> {
  const rename = names as Readonly<Record<string, string | undefined>>;
  return Object.fromEntries(Object.entries(value).map(([key, field]) => [rename[key] ?? key, field])) as Renamed<T, M>;
}

type TlsFiles = NonNullable<z.output<typeof connectionFields.tls>>;
type ConnectionFields = { readonly proxyUrl?: string | undefined; readonly proxyUrlFile?: string | undefined; readonly tls?: TlsFiles | undefined };

/**
 * The entry with its proxy URL in hand (inline or read from its file) and its TLS files read and
 * checked, where the fields stood. A bad file is an issue on its field; nothing read is echoed.
 */
async function withConnection<T extends ConnectionFields>(
  entry: T,
  at: (string | number)[],
  readSecret: SecretReader,
  context: z.RefinementCtx,
): Promise<Omit<T, 'proxyUrl' | 'proxyUrlFile' | 'tls'> & { proxyUrl?: Secret; tls?: ClientTls }> {
  const field = (...path: (string | number)[]) => [...at, ...path];
  const shown = (path: (string | number)[]) => path.map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? part : `.${part}`)).join('');
  const { proxyUrl, proxyUrlFile, tls, ...rest } = entry;
  let proxy = proxyUrl !== undefined ? new Secret('proxyUrl', proxyUrl) : undefined;
  if (proxyUrlFile !== undefined) {
    proxy = await readSecret('proxyUrl', shown(field('proxyUrlFile')), proxyUrlFile);
    const problem = proxyUrlProblem(proxy.value());
    if (problem !== undefined) context.addIssue({ code: 'custom', message: `the file's content: ${problem}`, path: field('proxyUrlFile') });
  }
  let clientTls: ClientTls | undefined;
  if (tls !== undefined) {
    // Read once, at load: TLS files are not watched.
    const read = async (name: 'caFile' | 'certFile' | 'keyFile') => (tls[name] === undefined ? undefined : (await readSecret(`tls.${name}`, shown(field('tls', name)), tls[name])).value());
    const [ca, cert, key] = await Promise.all([read('caFile'), read('certFile'), read('keyFile')]);
    const problem = (name: string, message: string) => context.addIssue({ code: 'custom', message, path: field('tls', name) });
    if (ca !== undefined && !isCertificate(ca)) problem('caFile', `${tls.caFile} holds no PEM certificate`);
    if (cert !== undefined && !isCertificate(cert)) problem('certFile', `${tls.certFile} holds no PEM certificate`);
    if (key !== undefined && cert !== undefined && isCertificate(cert)) {
      const fit = keyFits(cert, key);
      if (fit !== undefined) problem('keyFile', `${tls.keyFile} ${fit}`);
    }
    clientTls = new ClientTls(tls, { ...(ca !== undefined ? { ca } : {}), ...(cert !== undefined ? { cert } : {}), ...(key !== undefined ? { key } : {}) });
  }
  return { ...rest, ...(proxy !== undefined ? { proxyUrl: proxy } : {}), ...(clientTls !== undefined ? { tls: clientTls } : {}) };
}

function isCertificate(pem: string): boolean {
  try {
    new X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
}

/** Why the key cannot go with the certificate, or undefined. */
function keyFits(cert: string, key: string): string | undefined {
  let keyObject;
  try {
    keyObject = createPrivateKey(key);
  } catch {
    return 'holds no PEM private key (an encrypted key is not supported)';
  }
  return new X509Certificate(cert).checkPrivateKey(keyObject) ? undefined : 'is not the key of certFile';
}

function atMostOne(entry: Record<string, unknown>, name: SecretField, context: z.RefinementCtx): void {
  if (entry[name] !== undefined && entry[`${name}File`] !== undefined) context.addIssue({ code: 'custom', message: `give ${name} or ${name}File, not both`, path: [name] });
}

function exactlyOne(entry: Record<string, unknown>, name: SecretField, context: z.RefinementCtx): void {
  const file = `${name}File`;
  const given = [name, file].filter((field) => entry[field] !== undefined);
  if (given.length !== 1) {
    context.addIssue({
      code: 'custom',
      message: given.length === 0 ? `give ${name} or ${file}` : `give ${name} or ${file}, not both`,
      path: [name],
    });
  }
}

/** Reports every entry whose key an earlier entry already has. */
function reportDuplicates(entries: readonly { key: string; path: (string | number)[] }[], message: string, context: z.RefinementCtx): void {
  const seen = new Set<string>();
  for (const { key, path } of entries) {
    if (seen.has(key)) context.addIssue({ code: 'custom', message, path });
    seen.add(key);
  }
}
