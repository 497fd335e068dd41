import type { Logger } from 'pino';
import type { Config } from '../config/load.js';

/** What asked for a reload, for the log. */
export type ReloadTrigger = 'SIGHUP' | 'POST /-/reload';

export interface ConfigReloadOptions {
  /** Reads and validates the whole config file, as at start-up; throws a ConfigError naming the field. */
  readonly load: () => Promise<Config>;
  /** Puts a valid config in force (from the next poll cycle). */
  readonly apply: (config: Config) => Promise<void>;
  /** After every attempt: whether it succeeded, and when. */
  readonly observe: (ok: boolean, atMs: number) => void;
  readonly log: Logger;
  readonly now?: () => number;
}

/**
 * Reloads of the config file, one at a time (a reload asked during another runs after it, and
 * reads the file as it is then). The file is validated whole before anything changes: an invalid
 * one leaves the running config in force, and the reload fails with the loader's error.
 */
export class ConfigReload {
  readonly #options: ConfigReloadOptions;
  #queue: Promise<void> = Promise.resolve();

  constructor(options: ConfigReloadOptions) {
    this.#options = options;
  }

  reload(trigger: ReloadTrigger): Promise<void> {
    const run = this.#queue.then(() => this.#reloadOnce(trigger));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #reloadOnce(trigger: ReloadTrigger): Promise<void> {
    const { load, apply, observe, log } = this.#options;
    const now = this.#options.now ?? Date.now;
    let config: Config;
    try {
      config = await load();
      await apply(config);
    } catch (error) {
      observe(false, now());
      log.error({ trigger, error: (error as Error).message }, 'config reload failed; the running config stays');
      throw error;
    }
    observe(true, now());
    const { users, projects, organizations } = config;
    log.info({ trigger, users: users.length, projects: projects.length, organizations: organizations.length }, 'config reloaded; it applies from the next poll cycle');
  }
}
