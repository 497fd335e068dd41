export {
  defaultDatasetOptions,
  derivePublicKey,
  deriveSecret,
  generateDataset,
  isoSeconds,
  type Dataset,
  type DatasetOptions,
  type SimCredential,
  type SimProject,
  type SimUser,
} from './dataset.js';
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
export { startSimulator, type Simulator, type SimulatorOptions, type SimulatorStats } from './server.js';
export { exporterConfigFor, type ExporterConfigForOptions } from './config-for.js';
export { DEFAULT_SIMULATOR_PORT, describeSimulator, runSimulatorCommand, type SimulatorCommandIo } from './cli.js';
