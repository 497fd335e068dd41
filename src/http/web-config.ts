import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { createSecureContext, type TlsOptions } from 'node:tls';
import { parseGoDuration } from '../config/duration.js';
import { parseYaml } from '../config/yaml.js';
import { z } from 'zod';
import { ConfigError } from '../errors/config-error.js';

// The Prometheus exporter-toolkit web configuration (`--web.config.file`), so that one file serves
// this exporter and the Go ones alike: docs/web-configuration.md and web/tls_config.go there.

/** `client_auth_type`, Go's tls.ClientAuthType names (`RequireClientCert` is the toolkit's old alias). */
export const CLIENT_AUTH_TYPES = ['NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

/** `min_version` / `max_version` → Node's names. */
export const TLS_VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;
type TlsVersionName = keyof typeof TLS_VERSIONS;
const VERSION_ORDER: readonly TlsVersionName[] = ['TLS10', 'TLS11', 'TLS12', 'TLS13'];

/**
 * `cipher_suites`: the Go names that tls.CipherSuites() lists (the toolkit rejects the rest), mapped
 * to OpenSSL's. Go ignores the list for TLS 1.3, whose suites are not configurable: null here.
 */
export const CIPHER_SUITES: Readonly<Record<string, string | null>> = {
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_AES_128_GCM_SHA256: null,
  TLS_AES_256_GCM_SHA384: null,
  TLS_CHACHA20_POLY1305_SHA256: null,
};
/** Go's TLS 1.3 suites, always enabled as in Go when `cipher_suites` narrows TLS 1.2. */
const TLS13_SUITES = 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256';

/** `curve_preferences`: the toolkit's names → OpenSSL's. */
export const CURVES = { CurveP256: 'P-256', CurveP384: 'P-384', CurveP521: 'P-521', X25519: 'X25519' } as const;

/**
 * `http_server_config.headers`: the only headers the toolkit lets a file set ("private on purpose to
 * ensure consistency in the Prometheus ecosystem"), with their allowed values where enumerated.
 */
export const EXTRA_HEADERS: Readonly<Record<string, readonly string[] | undefined>> = {
  'Strict-Transport-Security': undefined,
  'X-Content-Type-Options': ['nosniff'],
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-XSS-Protection': undefined,
  'Content-Security-Policy': undefined,
};

/** What Go's bcrypt accepts and bcryptjs can verify: `$2$`, `$2a$`, `$2b$`, `$2y$`, cost 4–31. */
const BCRYPT_HASH = /^\$2[aby]?\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;

// YAML null (`key:` with nothing after it) is the Go zero value, as is "": both mean unset.
const text = z
  .string()
  .nullish()
  .transform((value) => (value ? value : undefined));
const list = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .nullish()
    .transform((value) => value ?? undefined);
const unsupported = (what: string) =>
  z
    .unknown()
    .refine((value) => value === undefined || value === null, { message: `${what} is not supported by mongodb-apikey-exporter` })
    .optional();

const tlsServerConfigSchema = z.strictObject({
  cert: text,
  key: text,
  client_ca: text,
  cert_file: text,
  key_file: text,
  client_auth_type: z
    .enum([...CLIENT_AUTH_TYPES, 'RequireClientCert', ''])
    .nullish()
    .transform((value): ClientAuthType | undefined => (value === 'RequireClientCert' ? 'RequireAnyClientCert' : value ? value : undefined)),
  client_ca_file: text,
  client_allowed_sans: list(z.string().min(1)),
  min_version: z.enum(VERSION_ORDER).nullish(),
  max_version: z.enum(VERSION_ORDER).nullish(),
  cipher_suites: list(
    z.string().refine((name) => Object.hasOwn(CIPHER_SUITES, name), {
      message: 'unknown or insecure cipher suite (use a Go name from tls.CipherSuites(), e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)',
    }),
  ),
  prefer_server_cipher_suites: z.boolean().nullish(),
  curve_preferences: list(z.enum(Object.keys(CURVES) as [keyof typeof CURVES, ...(keyof typeof CURVES)[]])),
});

const headersSchema = z
  .record(z.string(), z.string().nullish())
  .nullish()
  .superRefine((headers, context) => {
    for (const [name, value] of Object.entries(headers ?? {})) {
      if (!Object.hasOwn(EXTRA_HEADERS, name)) {
        context.addIssue({ code: 'custom', path: [name], message: `HTTP header ${JSON.stringify(name)} can not be configured (allowed: ${Object.keys(EXTRA_HEADERS).join(', ')})` });
        continue;
      }
      const allowed = EXTRA_HEADERS[name];
      if (allowed !== undefined && !allowed.includes(value ?? '')) {
        context.addIssue({ code: 'custom', path: [name], message: `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}` });
      } else if (/[\0-\x1f\x7f]/.test(value ?? '')) {
        context.addIssue({ code: 'custom', path: [name], message: 'must not contain control characters' });
      }
    }
  });

/** The file's schema: unknown keys are rejected, as the toolkit's yaml.UnmarshalStrict does. */
export const webConfigFileSchema = z.strictObject({
  tls_server_config: tlsServerConfigSchema.nullish(),
  http_server_config: z.strictObject({ http2: z.boolean().nullish(), headers: headersSchema }).nullish(),
  basic_auth_users: z
    .record(
      z.string().min(1, 'user name must not be empty'),
      z
        .string()
        .nullish()
        .refine((hash) => BCRYPT_HASH.test(hash ?? ''), { message: 'not a bcrypt hash ($2a$, $2b$ or $2y$ with a cost of 4 to 31, e.g. from htpasswd -nBC 10 "")' }),
    )
    .nullish(),
  rate_limit: z
    .strictObject({
      interval: z.union([z.string(), z.number().int().nonnegative()]).nullish(),
      burst: z.number().int().nonnegative().nullish(),
    })
    .nullish(),
  // Newer exporter-toolkit sections this exporter does not implement: refused, never ignored.
  auth_excluded_paths: unsupported('auth_excluded_paths'),
  ip_socket_config: unsupported('ip_socket_config'),
});
export type WebConfigFile = z.output<typeof webConfigFileSchema>;

/** Where the server's certificate, key and client CAs come from: inline PEM or a file. */
export interface PemSource {
  readonly field: string;
  readonly inline?: string;
  /** Absolute, resolved against the web config file's folder as the toolkit does. */
  readonly path?: string;
}

/** The validated file, before any referenced file is read. Pure data. */
export interface WebConfigSpec {
  readonly tls?: {
    readonly cert: PemSource;
    readonly key: PemSource;
    readonly clientCa?: PemSource;
    readonly clientAuth: ClientAuthType;
    readonly allowedSans?: readonly string[];
    readonly minVersion: TlsVersionName;
    readonly maxVersion: TlsVersionName;
    /** OpenSSL cipher string, when `cipher_suites` is set. */
    readonly ciphers?: string;
    readonly ecdhCurve?: string;
    readonly honorCipherOrder: boolean;
  };
  /** User name → bcrypt hash. Empty: no basic auth. */
  readonly users: ReadonlyMap<string, string>;
  /** Response headers to add; blank values are left out ("unset if blank"). */
  readonly headers: readonly (readonly [string, string])[];
  readonly rateLimit?: { readonly intervalMs: number; readonly burst: number };
  /** Accepted for compatibility; this exporter serves HTTP/1.1 only. */
  readonly http2: boolean;
}

/** A web config in force: the spec with every referenced file read and checked. */
export interface WebConfig extends Omit<WebConfigSpec, 'tls'> {
  /** The web config file and every file it references (for change detection). */
  readonly files: readonly string[];
  readonly tls?: {
    readonly clientAuth: ClientAuthType;
    readonly allowedSans?: readonly string[];
    /** For https.createServer and server.setSecureContext. */
    readonly options: TlsOptions;
  };
}

/**
 * Parses the text of a web config file: YAML, the schema, then the rules between fields. Pure.
 * `source` is the file's path: relative paths inside resolve against its folder.
 * Throws a ConfigError whose message names the file and every offending field, never a secret.
 */
export function parseWebConfigText(yamlText: string, source: string): WebConfigSpec {
  const result = webConfigFileSchema.safeParse(parseYaml(yamlText, source));
  if (!result.success) throw new ConfigError(`${source}: invalid web configuration\n${z.prettifyError(result.error)}`);
  const file = result.data;
  const fail = (field: string, message: string): never => {
    throw new ConfigError(`${source}: invalid web configuration\n✖ ${message}\n  → at ${field}`);
  };
  const base = dirname(resolve(source));

  let tls: WebConfigSpec['tls'];
  const t = file.tls_server_config;
  if (t) {
    const pem = (field: string, inline: string | undefined, fileField: string, path: string | undefined): PemSource | undefined => {
      if (inline !== undefined && path !== undefined) fail(`tls_server_config.${fileField}`, `set either ${field} (inline PEM) or ${fileField}, not both`);
      if (inline !== undefined) return { field: `tls_server_config.${field}`, inline };
      if (path !== undefined) return { field: `tls_server_config.${fileField}`, path: resolve(base, path) };
      return undefined;
    };
    const cert = pem('cert', t.cert, 'cert_file', t.cert_file);
    const key = pem('key', t.key, 'key_file', t.key_file);
    const clientCa = pem('client_ca', t.client_ca, 'client_ca_file', t.client_ca_file);
    const enabled = cert !== undefined || key !== undefined || clientCa !== undefined || t.client_auth_type !== undefined;
    const tuned = t.min_version ?? t.max_version ?? t.cipher_suites ?? t.curve_preferences ?? t.client_allowed_sans ?? t.prefer_server_cipher_suites;
    // Stricter than the toolkit, which silently serves plain HTTP here: TLS settings without a certificate are a mistake.
    if (!enabled && tuned !== undefined && tuned !== null) fail('tls_server_config', 'TLS settings are given but no certificate: set cert_file and key_file (or cert and key)');
    if (enabled) {
      if (cert === undefined) fail('tls_server_config.cert_file', 'missing one of cert or cert_file');
      if (key === undefined) fail('tls_server_config.key_file', 'missing one of key or key_file');
      const clientAuth = t.client_auth_type ?? 'NoClientCert';
      if (clientCa !== undefined && clientAuth === 'NoClientCert') {
        fail('tls_server_config.client_auth_type', "client CA's have been configured without a client auth policy: set client_auth_type (RequireAndVerifyClientCert)");
      }
      if (t.client_allowed_sans !== undefined && clientAuth !== 'RequireAnyClientCert' && clientAuth !== 'RequireAndVerifyClientCert') {
        fail('tls_server_config.client_allowed_sans', 'requires client_auth_type to be RequireAnyClientCert or RequireAndVerifyClientCert');
      }
      const minVersion = t.min_version ?? 'TLS12';
      const maxVersion = t.max_version ?? 'TLS13';
      if (VERSION_ORDER.indexOf(minVersion) > VERSION_ORDER.indexOf(maxVersion)) fail('tls_server_config.min_version', `${minVersion} is above max_version ${maxVersion}`);
      const suites = (t.cipher_suites ?? []).map((name) => CIPHER_SUITES[name]).filter((name): name is string => typeof name === 'string');
      if (t.cipher_suites !== undefined && t.cipher_suites.length > 0 && suites.length === 0 && minVersion !== 'TLS13') {
        fail('tls_server_config.cipher_suites', 'lists only TLS 1.3 suites, which are not configurable: name TLS 1.2 suites, or set min_version: TLS13');
      }
      tls = {
        cert: cert as PemSource,
        key: key as PemSource,
        ...(clientCa ? { clientCa } : {}),
        clientAuth,
        ...(t.client_allowed_sans ? { allowedSans: t.client_allowed_sans } : {}),
        minVersion,
        maxVersion,
        ...(suites.length > 0 ? { ciphers: `${TLS13_SUITES}:${suites.join(':')}` } : {}),
        ...(t.curve_preferences && t.curve_preferences.length > 0 ? { ecdhCurve: t.curve_preferences.map((name) => CURVES[name]).join(':') } : {}),
        honorCipherOrder: t.prefer_server_cipher_suites ?? true,
      };
    }
  }

  let rateLimit: WebConfigSpec['rateLimit'];
  if (file.rate_limit) {
    const raw = file.rate_limit.interval ?? 0;
    // The toolkit's rate_limit.interval is a Go duration: a bare number counts nanoseconds.
    const intervalMs = typeof raw === 'number' ? raw / 1e6 : parseGoDuration(raw);
    if (intervalMs === undefined) fail('rate_limit.interval', 'not a duration (e.g. "1s", "100ms"; 0 disables the rate limiter)');
    const burst = file.rate_limit.burst ?? 0;
    if ((intervalMs as number) > 0) {
      if (burst < 1) fail('rate_limit.burst', 'must be at least 1 when rate_limit.interval is set (0 would refuse every request)');
      rateLimit = { intervalMs: intervalMs as number, burst };
    }
  }

  const headers = Object.entries(file.http_server_config?.headers ?? {})
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== '')
    .map(([name, value]) => [name, value] as const);
  return {
    ...(tls ? { tls } : {}),
    users: new Map(Object.entries(file.basic_auth_users ?? {}).map(([user, hash]) => [user, hash ?? ''])),
    headers,
    ...(rateLimit ? { rateLimit } : {}),
    http2: file.http_server_config?.http2 ?? true,
  };
}

/**
 * Reads and checks a web config file and everything it references: certificate and key readable,
 * valid PEM and a matching pair, client CAs parse, and OpenSSL takes the TLS settings.
 * Throws a ConfigError naming the field.
 */
export async function loadWebConfig(path: string): Promise<WebConfig> {
  const source = resolve(path);
  let yamlText: string;
  try {
    yamlText = await readFile(source, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read web config file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const spec = parseWebConfigText(yamlText, path);
  const files = [source];
  const common = { users: spec.users, headers: spec.headers, ...(spec.rateLimit ? { rateLimit: spec.rateLimit } : {}), http2: spec.http2, files };
  if (!spec.tls) return common;

  const fail = (field: string, message: string): never => {
    throw new ConfigError(`${path}: invalid web configuration\n✖ ${message}\n  → at ${field}`);
  };
  const read = async (from: PemSource): Promise<string> => {
    if (from.inline !== undefined) return from.inline;
    files.push(from.path as string);
    try {
      return await readFile(from.path as string, 'utf8');
    } catch (error) {
      return fail(from.field, `cannot read ${from.path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  };
  const { tls } = spec;
  const cert = await read(tls.cert);
  const key = await read(tls.key);
  const clientCa = tls.clientCa ? await read(tls.clientCa) : undefined;

  // Every certificate of a PEM bundle must parse; the field names the file the user must fix.
  const checkCertificates = (pem: string, field: string) => {
    const blocks = pemBlocks(pem, 'CERTIFICATE');
    if (blocks.length === 0) fail(field, 'no PEM certificate (-----BEGIN CERTIFICATE-----) found');
    for (const block of blocks) {
      try {
        new X509Certificate(block);
      } catch {
        fail(field, 'not a valid PEM certificate');
      }
    }
  };
  checkCertificates(cert, tls.cert.field);
  try {
    createPrivateKey(key);
  } catch (error) {
    const encrypted = /passphrase/i.test(String((error as Error).message));
    fail(tls.key.field, encrypted ? 'the private key is encrypted; give an unencrypted PEM key' : 'not a valid PEM private key');
  }
  if (clientCa !== undefined && tls.clientCa) checkCertificates(clientCa, tls.clientCa.field);
  const options: TlsOptions = {
    cert,
    key,
    ...(clientCa !== undefined ? { ca: clientCa } : {}),
    // Node has no "require any certificate" mode: RequireAnyClientCert and VerifyClientCertIfGiven
    // are finished after the handshake (web-guard.ts), RequireAndVerifyClientCert by OpenSSL itself.
    requestCert: tls.clientAuth !== 'NoClientCert',
    rejectUnauthorized: tls.clientAuth === 'RequireAndVerifyClientCert',
    minVersion: TLS_VERSIONS[tls.minVersion],
    maxVersion: TLS_VERSIONS[tls.maxVersion],
    ...(tls.ciphers ? { ciphers: tls.ciphers } : {}),
    ...(tls.ecdhCurve ? { ecdhCurve: tls.ecdhCurve } : {}),
    honorCipherOrder: tls.honorCipherOrder,
  };
  try {
    createSecureContext(options);
  } catch (error) {
    const message = String((error as Error).message);
    if (/key values mismatch/i.test(message)) fail(tls.key.field, 'the private key does not match the certificate');
    fail('tls_server_config', `OpenSSL refuses these TLS settings: ${message}`);
  }
  return {
    ...common,
    tls: { clientAuth: tls.clientAuth, ...(tls.allowedSans ? { allowedSans: tls.allowedSans } : {}), options },
  };
}

function pemBlocks(pem: string, label: string): string[] {
  const pattern = new RegExp(`-----BEGIN ${label}-----[\\s\\S]*?-----END ${label}-----`, 'g');
  return pem.match(pattern) ?? [];
}
