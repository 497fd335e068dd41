import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { exporterConfigFor, opsManagerConfigFor, organizationsConfigFor } from './config-for.js';
import { demoDatasetOptions, generateDataset, type DatasetOptions } from './dataset/index.js';
import { PAGING_MODES, type PagingMode } from './paging.js';
import { startSimulator, type Simulator, type SimulatorOptions } from './server.js';

/** Where the command writes and what stops it besides SIGINT/SIGTERM (for tests). */
export interface SimulatorCommandIo {
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  signal?: AbortSignal;
}

/** The default port of `simulate`, next to the exporter's 9947. */
export const DEFAULT_SIMULATOR_PORT = 9948;

const USAGE = `Usage: mongodb-apikey-exporter simulate [options]

Serves a fake MongoDB Atlas / Cloud Manager API (digest auth, paging, errors) for demos and tests.

Options:
  --port N                 listen port (default ${DEFAULT_SIMULATOR_PORT}; 0 = any free port)
  --host HOST              listen address (default 127.0.0.1)
  --seed N                 data set seed (default ${demoDatasetOptions.seed})
  --users N                users with personal API keys (default ${demoDatasetOptions.users})
  --keys-per-user N        personal API keys per user (default ${demoDatasetOptions.keysPerUser})
  --projects N             projects with agent API keys (default ${demoDatasetOptions.projects})
  --keys-per-project N     agent API keys per project (default ${demoDatasetOptions.keysPerProject})
  --credentials N          programmatic keys the projects are split across (default ${demoDatasetOptions.credentials})
  --orgs N                 organizations (Atlas Admin API v2; the projects are split across them) (default ${demoDatasetOptions.orgs})
  --keys-per-org N         organization programmatic API keys (default ${demoDatasetOptions.programmaticKeysPerOrg})
  --project-keys-per-project N
                           project programmatic API keys (default ${demoDatasetOptions.programmaticKeysPerProject})
  --service-accounts-per-org N
                           organization service accounts (default ${demoDatasetOptions.serviceAccountsPerOrg})
  --service-accounts-per-project N
                           project service accounts (default ${demoDatasetOptions.serviceAccountsPerProject})
  --secrets-per-service-account N
                           secrets per service account (default ${demoDatasetOptions.secretsPerServiceAccount})
  --global-keys N          Ops Manager global API keys (default ${demoDatasetOptions.globalKeys})
  --token-ttl-seconds N    OAuth access token lifetime (default 3600)
  --latency-ms N           delay added to every request (default 0)
  --nonce-ttl-ms N         digest nonce lifetime (default 300000)
  --challenge-style S      qop (RFC 7616) or op (the vendor documentation's spelling) (default qop)
  --paging MODE            how lists page: ${PAGING_MODES.join(', ')} (default exact)
  --mutate-every-ms N      mutation mode: change the data (keys, roles, access lists, the access
                           list requirement, secrets), with the matching events, every N ms (default 0: off)
  -h, --help               show this help
`;

const INTEGER = /^[0-9]+$/;

/** How many ids or users are printed before the rest are summarised. */
const PRINT_LIMIT = 20;

class UsageError extends Error {
  override name = 'UsageError';
}

function integer(values: Record<string, unknown>, flag: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const raw = values[flag];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !INTEGER.test(raw) || Number(raw) > max) {
    throw new UsageError(`--${flag} must be an integer between 0 and ${max}, got "${String(raw)}"`);
  }
  return Number(raw);
}

interface ParsedCommand {
  help: boolean;
  dataset: DatasetOptions;
  server: Omit<SimulatorOptions, 'dataset'>;
}

function parseCommand(argv: string[]): ParsedCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        seed: { type: 'string' },
        users: { type: 'string' },
        'keys-per-user': { type: 'string' },
        projects: { type: 'string' },
        'keys-per-project': { type: 'string' },
        credentials: { type: 'string' },
        orgs: { type: 'string' },
        'keys-per-org': { type: 'string' },
        'project-keys-per-project': { type: 'string' },
        'service-accounts-per-org': { type: 'string' },
        'service-accounts-per-project': { type: 'string' },
        'secrets-per-service-account': { type: 'string' },
        'global-keys': { type: 'string' },
        'token-ttl-seconds': { type: 'string' },
        'latency-ms': { type: 'string' },
        'nonce-ttl-ms': { type: 'string' },
        'challenge-style': { type: 'string' },
        paging: { type: 'string' },
        'mutate-every-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const values = parsed.values as Record<string, unknown>;
  const style = values['challenge-style'];
  if (style !== undefined && style !== 'qop' && style !== 'op') {
    throw new UsageError(`--challenge-style must be qop or op, got "${String(style)}"`);
  }
  const paging = values['paging'];
  if (paging !== undefined && !(PAGING_MODES as readonly unknown[]).includes(paging)) {
    throw new UsageError(`--paging must be one of ${PAGING_MODES.join(', ')}, got "${String(paging)}"`);
  }
  const dataset: DatasetOptions = { ...demoDatasetOptions };
  const assign = (key: keyof DatasetOptions, flag: string, max?: number): void => {
    const n = integer(values, flag, max);
    if (n !== undefined) dataset[key] = n;
  };
  assign('seed', 'seed', 0xffffffff);
  assign('users', 'users');
  assign('keysPerUser', 'keys-per-user');
  assign('projects', 'projects');
  assign('keysPerProject', 'keys-per-project');
  assign('credentials', 'credentials');
  assign('orgs', 'orgs');
  assign('programmaticKeysPerOrg', 'keys-per-org');
  assign('programmaticKeysPerProject', 'project-keys-per-project');
  assign('serviceAccountsPerOrg', 'service-accounts-per-org');
  assign('serviceAccountsPerProject', 'service-accounts-per-project');
  assign('secretsPerServiceAccount', 'secrets-per-service-account');
  assign('globalKeys', 'global-keys');
  const server: Omit<SimulatorOptions, 'dataset'> = { port: integer(values, 'port', 65_535) ?? DEFAULT_SIMULATOR_PORT };
  if (typeof values['host'] === 'string') server.host = values['host'];
  const latencyMs = integer(values, 'latency-ms');
  if (latencyMs !== undefined) server.latencyMs = latencyMs;
  const nonceTtlMs = integer(values, 'nonce-ttl-ms');
  if (nonceTtlMs !== undefined) server.nonceTtlMs = nonceTtlMs;
  if (style === 'qop' || style === 'op') server.challengeStyle = style;
  if (paging !== undefined) server.paging = paging as PagingMode;
  const mutateEveryMs = integer(values, 'mutate-every-ms');
  if (mutateEveryMs !== undefined && mutateEveryMs > 0) server.mutateEveryMs = mutateEveryMs;
  const ttl = integer(values, 'token-ttl-seconds');
  if (ttl !== undefined) {
    if (ttl < 1) throw new UsageError('--token-ttl-seconds must be at least 1');
    server.tokenTtlSeconds = ttl;
  }
  return { help: values['help'] === true, dataset, server };
}

function listed(items: readonly string[]): string {
  const shown = items.slice(0, PRINT_LIMIT).join(', ');
  return items.length > PRINT_LIMIT ? `${shown}, … (${items.length - PRINT_LIMIT} more)` : shown;
}

/** The human-readable banner: where to connect, with which credentials, and a config to paste. */
export function describeSimulator(sim: Simulator): string {
  const lines = [
    `MongoDB Cloud API simulator listening on ${sim.url}`,
    `  Atlas API:         ${sim.atlasBaseUrl}`,
    `  Cloud Manager API: ${sim.publicBaseUrl}`,
    `  Atlas Admin API v2: ${sim.atlasV2BaseUrl}  (Accept: application/vnd.atlas.2023-01-01+json; service accounts 2024-08-05)`,
    `  OAuth token:       ${sim.tokenUrl}`,
    '',
    `Users (personal API keys; digest username:apiKey) — ${sim.dataset.users.length}:`,
  ];
  for (const user of sim.dataset.users.slice(0, PRINT_LIMIT)) {
    lines.push(`  ${user.username}  apiKey=${user.apiKey}  userId=${user.id}  keys=${user.keys.length}`);
  }
  if (sim.dataset.users.length > PRINT_LIMIT) lines.push(`  … (${sim.dataset.users.length - PRINT_LIMIT} more in the config below)`);
  lines.push('', `Programmatic keys (agent API keys; digest publicKey:privateKey) — ${sim.dataset.credentials.length}:`);
  for (const credential of sim.dataset.credentials) {
    lines.push(`  ${credential.publicKey}  privateKey=${credential.privateKey}  projects=${credential.projectIds.length}`);
    if (credential.projectIds.length > 0) lines.push(`    ${listed(credential.projectIds)}`);
  }
  const orgs = sim.dataset.orgs ?? [];
  const orgCredentials = sim.dataset.orgCredentials ?? [];
  if (orgs.length > 0 || orgCredentials.length > 0) {
    lines.push('', `Organizations (Atlas Admin API v2) — ${orgs.length}:`);
    for (const org of orgs.slice(0, PRINT_LIMIT)) {
      lines.push(
        org.isDeleted === true
          ? `  ${org.id}  ${org.name}  deleted (GET /orgs lists it; its resources answer 404)`
          : `  ${org.id}  ${org.name}  projects=${org.projectIds.length}  keys=${org.programmaticKeys.length}  serviceAccounts=${org.serviceAccounts.length}  apiAccessListRequired=${org.apiAccessListRequired ?? 'absent'}`,
      );
    }
    if (orgs.length > PRINT_LIMIT) lines.push(`  … (${orgs.length - PRINT_LIMIT} more)`);
    lines.push('', `Organization credentials — ${orgCredentials.length}:`);
    for (const credential of orgCredentials) {
      const scope = credential.kind === 'digest' && credential.globalReadOnly === true ? 'global read only' : `orgs=${listed(credential.orgIds)}`;
      lines.push(
        credential.kind === 'digest'
          ? `  digest  ${credential.publicKey}  privateKey=${credential.privateKey}  ${scope}`
          : `  oauth   ${credential.clientId}  clientSecret=${credential.clientSecret}  ${scope}`,
      );
    }
    lines.push('', 'Organizations config:', '', stringify({ organizations: organizationsConfigFor(sim) }).trimEnd());
    const opsManager = opsManagerConfigFor(sim);
    if (opsManager.length > 0) {
      lines.push('', 'Or, as Ops Manager (v1.0 API, global keys too; reads the same organizations, so not with the digest entries above):', '', stringify({ organizations: opsManager }).trimEnd());
    }
  }
  lines.push('', 'Exporter config:', '', stringify(exporterConfigFor(sim)).trimEnd(), '');
  return lines.join('\n') + '\n';
}

function untilStopped(signal: AbortSignal | undefined): Promise<string> {
  return new Promise((resolve) => {
    const stop = (reason: string): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      signal?.removeEventListener('abort', onAbort);
      resolve(reason);
    };
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    const onAbort = (): void => stop('abort');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
    if (signal?.aborted === true) stop('abort');
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * `mongodb-apikey-exporter simulate [flags]`: serves a generated data set until SIGINT/SIGTERM.
 * A bad flag prints a message and sets `process.exitCode = 2`.
 */
export async function runSimulatorCommand(argv: string[], io: SimulatorCommandIo = {}): Promise<void> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  let command: ParsedCommand;
  try {
    command = parseCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    stderr.write(`mongodb-apikey-exporter simulate: ${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (command.help) {
    stdout.write(USAGE);
    return;
  }
  let dataset;
  try {
    dataset = generateDataset(command.dataset);
  } catch (error) {
    stderr.write(`mongodb-apikey-exporter simulate: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
    return;
  }
  const sim = await startSimulator({ ...command.server, dataset });
  stdout.write(describeSimulator(sim));
  const reason = await untilStopped(io.signal);
  await sim.close();
  stdout.write(`simulator stopped (${reason})\n`);
}
