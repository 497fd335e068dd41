import type { Simulator } from './server.js';

/** Options of {@link exporterConfigFor}. */
export interface ExporterConfigForOptions {
  /** `poll.interval`; default `30s`. */
  interval?: string;
  /** List projects with `discover: true` (default) or with their `ids`. */
  discover?: boolean;
}

/**
 * An exporter config (the DESIGN.md YAML schema, as an object) that polls every user and every
 * credential of a simulator's data set; for the demo and the tests.
 */
export function exporterConfigFor(
  sim: Pick<Simulator, 'atlasBaseUrl' | 'publicBaseUrl' | 'dataset'>,
  options: ExporterConfigForOptions = {},
): Record<string, unknown> {
  const discover = options.discover ?? true;
  return {
    poll: {
      interval: options.interval ?? '30s',
      concurrency: 8,
      timeout: '10s',
      retries: 3,
      staleAfter: '1h',
    },
    users: sim.dataset.users.map((user) => ({
      username: user.username,
      apiKey: user.apiKey,
      userId: user.id,
      baseUrl: sim.atlasBaseUrl,
    })),
    projects: sim.dataset.credentials.map((credential) => ({
      publicKey: credential.publicKey,
      privateKey: credential.privateKey,
      baseUrl: sim.publicBaseUrl,
      ...(discover ? { discover: true } : { ids: [...credential.projectIds] }),
    })),
  };
}
