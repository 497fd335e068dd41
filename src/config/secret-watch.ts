import { watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { FileSecret } from './secret.js';

/** A secret file and the credential it belongs to (the `credential` label). */
export interface WatchedSecret {
  readonly credential: string;
  readonly secret: FileSecret;
}

export interface SecretWatchOptions {
  readonly secrets: readonly WatchedSecret[];
  readonly log: Logger;
  /** After every read of a file: whether it was readable and not empty. */
  readonly observe?: (watched: WatchedSecret, ok: boolean) => void;
  /** Every file is read again this often, whatever the watches say; default {@link CHECK_INTERVAL_MS}. */
  readonly checkIntervalMs?: number;
  /** A burst of events in a folder is read once, this long after the last; default {@link DEBOUNCE_MS}. */
  readonly debounceMs?: number;
}

/** Some file systems (network mounts, some container overlays) send no events: content is checked this often anyway. */
export const CHECK_INTERVAL_MS = 30_000;
/** The kubelet writes a folder, a symlink and renames it: one read after the burst. */
export const DEBOUNCE_MS = 200;

/**
 * Re-reads secret files when they change. The folder of each file is watched, not the file: a
 * Kubernetes Secret volume replaces its files by renaming a `..data` symlink in that folder, which
 * a watch on the file itself never sees. Any event in the folder reads its secrets again (after a
 * short debounce), and every file is also read on a timer. A file that turns unreadable or empty
 * keeps the last good value, logged once with the path and the error code, never the content.
 */
export class SecretWatch {
  readonly #options: SecretWatchOptions;
  readonly #watchers: FSWatcher[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #failing = new Map<WatchedSecret, string>();
  readonly #reading = new Map<WatchedSecret, Promise<void>>();
  readonly #again = new Set<WatchedSecret>();
  #closed = false;

  private constructor(options: SecretWatchOptions) {
    this.#options = options;
  }

  /** Watches every folder that holds one of the secrets; each starts as readable (the loader read it). */
  static start(options: SecretWatchOptions): SecretWatch {
    const watch = new SecretWatch(options);
    for (const watched of options.secrets) options.observe?.(watched, true);
    // Map.groupBy is not in Node.js 20.
    const byFolder = new Map<string, WatchedSecret[]>();
    for (const watched of options.secrets) {
      const folder = dirname(watched.secret.path);
      byFolder.set(folder, [...(byFolder.get(folder) ?? []), watched]);
    }
    for (const [folder, secrets] of byFolder) watch.#watchFolder(folder, secrets);
    if (options.secrets.length > 0) {
      const timer = setInterval(() => void watch.check(), options.checkIntervalMs ?? CHECK_INTERVAL_MS);
      timer.unref();
      watch.#timers.add(timer);
    }
    return watch;
  }

  /** Reads every secret file again now. */
  async check(): Promise<void> {
    await Promise.all(this.#options.secrets.map((watched) => this.#read(watched)));
  }

  close(): void {
    this.#closed = true;
    for (const watcher of this.#watchers) watcher.close();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #watchFolder(folder: string, secrets: readonly WatchedSecret[]): void {
    const { log } = this.#options;
    let debounce: NodeJS.Timeout | undefined;
    const changed = () => {
      if (debounce !== undefined) {
        clearTimeout(debounce);
        this.#timers.delete(debounce);
      }
      debounce = setTimeout(() => {
        if (debounce !== undefined) this.#timers.delete(debounce);
        debounce = undefined;
        for (const watched of secrets) void this.#read(watched);
      }, this.#options.debounceMs ?? DEBOUNCE_MS);
      debounce.unref();
      this.#timers.add(debounce);
    };
    let watcher: FSWatcher;
    try {
      watcher = watch(folder, { persistent: false }, changed);
    } catch (error) {
      log.warn({ folder, code: (error as NodeJS.ErrnoException).code }, 'cannot watch the folder of a secret file; checking it every interval instead');
      return;
    }
    watcher.on('error', (error: NodeJS.ErrnoException) => {
      log.warn({ folder, code: error.code }, 'stopped watching the folder of a secret file; checking it every interval instead');
      watcher.close();
    });
    this.#watchers.push(watcher);
  }

  /** One read at a time per file; a request during a read runs once more after it. */
  #read(watched: WatchedSecret): Promise<void> {
    const running = this.#reading.get(watched);
    if (running !== undefined) {
      this.#again.add(watched);
      return running;
    }
    const reading = this.#readOnce(watched).finally(() => {
      this.#reading.delete(watched);
      if (this.#again.delete(watched)) void this.#read(watched);
    });
    this.#reading.set(watched, reading);
    return reading;
  }

  async #readOnce(watched: WatchedSecret): Promise<void> {
    const { log, observe } = this.#options;
    const { credential, secret } = watched;
    const read = await secret.reread();
    if (this.#closed) return;
    const where = { credential, field: secret.field, path: secret.path };
    observe?.(watched, read.ok);
    if (!read.ok) {
      if (this.#failing.get(watched) !== read.code) log.warn({ ...where, code: read.code }, 'cannot read the secret file; keeping the last good value');
      this.#failing.set(watched, read.code);
      return;
    }
    if (this.#failing.delete(watched) && !read.changed) log.info(where, 'the secret file is readable again');
    if (read.changed) log.info(where, 'the secret file changed; the next request uses the new value');
  }
}
