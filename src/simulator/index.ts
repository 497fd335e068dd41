export {
  defaultDatasetOptions,
  demoDatasetOptions,
  derivePublicKey,
  deriveSecret,
  deriveServiceAccountSecret,
  generateDataset,
  isoSeconds,
  maskServiceAccountSecret,
  redactPrivateKey,
  type Dataset,
  type OrganizationDataset,
  type OrganizationDatasetOptions,
  type DatasetOptions,
  type SimCredential,
  type SimOrg,
  type SimOrgCredential,
  type SimOrgCredentialKind,
  type SimProject,
  type SimUser,
  type EventActor,
  type EventTrails,
  type SimEvent,
  whitelistEntryOf,
} from './dataset/index.js';
export {
  DigestAuthority,
  MMS_REALM,
  parseDigestAuthorization,
  type ChallengeStyle,
  type DigestAuthorityOptions,
  type DigestFailure,
  type DigestRequest,
  type DigestVerdict,
} from './digest.js';
export type { Fault, FaultRule } from './faults.js';
export { DatasetMutator, MUTATION_STEPS, type DatasetMutatorOptions, type Mutation, type MutationActorOption, type MutationStep } from './mutation.js';
export { startSimulator, type Simulator, type SimulatorOptions, type SimulatorStats, type SimulatorAdminApiStats } from './server.js';
export {
  exporterConfigFor,
  globalKeysConfigFor,
  opsManagerConfigFor,
  organizationsConfigFor,
  type ExporterConfigForOptions,
  type OrganizationsConfigForOptions,
} from './config-for.js';
export { DEFAULT_RATE_LIMIT, type RateLimitOptions } from './rate-limit.js';
export { DEFAULT_TOKEN_TTL_SECONDS } from './oauth.js';
export { ATLAS_VERSION_2023, ATLAS_VERSION_SERVICE_ACCOUNTS } from './routes/admin-api-v2.js';
export { orgKeys, orgServiceAccounts, projectServiceAccounts } from './routes/organizations.js';
export { DEFAULT_SIMULATOR_PORT, describeSimulator, runSimulatorCommand, type SimulatorCommandIo } from './cli.js';
