import { mkdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A folder laid out as the kubelet lays out a Secret volume: the files in a timestamped folder,
 * `..data` a symlink to it, and each visible name a symlink to `..data/<name>`. An update writes a
 * new timestamped folder and swaps `..data` atomically with rename(2), then drops the old folder,
 * as kubernetes' AtomicWriter does.
 */
export class KubernetesSecretVolume {
  #generation = 0;

  private constructor(readonly folder: string) {}

  static async create(folder: string, files: Readonly<Record<string, string>>): Promise<KubernetesSecretVolume> {
    await mkdir(folder, { recursive: true });
    const volume = new KubernetesSecretVolume(folder);
    await volume.update(files);
    return volume;
  }

  /** The path a pod is given for `name`. */
  path(name: string): string {
    return join(this.folder, name);
  }

  async update(files: Readonly<Record<string, string>>): Promise<void> {
    const data = join(this.folder, '..data');
    const previous = await readlink(data).catch(() => undefined);
    const stamp = `..2026_12_01_00_00_00.${String(++this.#generation).padStart(9, '0')}`;
    await mkdir(join(this.folder, stamp));
    for (const [name, content] of Object.entries(files)) await writeFile(join(this.folder, stamp, name), content, { mode: 0o600 });
    await symlink(stamp, join(this.folder, '..data_tmp'));
    await rename(join(this.folder, '..data_tmp'), data);
    for (const name of Object.keys(files)) await symlink(join('..data', name), this.path(name)).catch(() => undefined);
    if (previous !== undefined) await rm(join(this.folder, previous), { recursive: true, force: true });
  }
}
