import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FileSecret } from '../../../src/config/secret.js';
import { SecretWatch, type WatchedSecret } from '../../../src/config/secret-watch.js';
import { KubernetesSecretVolume } from '../../helpers/kubernetes-secret.js';
import { waitFor } from '../../helpers/stack.js';

let folder: string | undefined;
let watch: SecretWatch | undefined;

afterEach(async () => {
  watch?.close();
  watch = undefined;
  if (folder !== undefined) await rm(folder, { recursive: true, force: true });
  folder = undefined;
});

async function watched(checkIntervalMs: number): Promise<{ volume: KubernetesSecretVolume; secret: FileSecret; logs: string[]; reads: boolean[] }> {
  folder = await mkdtemp(join(tmpdir(), 'apikey-secret-watch-'));
  const volume = await KubernetesSecretVolume.create(join(folder, 'secret'), { privateKey: 'first-value' });
  const secret = await FileSecret.read('privateKey', volume.path('privateKey'));
  if (!(secret instanceof FileSecret)) throw new Error(`cannot read: ${secret.code}`);
  const logs: string[] = [];
  const reads: boolean[] = [];
  const log = pino({ level: 'debug' }, new Writable({ write: (chunk, _encoding, done) => done(void logs.push(String(chunk))) }));
  watch = SecretWatch.start({ secrets: [{ credential: 'abcdefgh@cloud.mongodb.com', secret }], log, checkIntervalMs, debounceMs: 20, observe: (_: WatchedSecret, ok) => reads.push(ok) });
  return { volume, secret, logs, reads };
}

describe('SecretWatch', () => {
  it('takes a ..data swap from the watch on the folder, without waiting for the periodic check', async () => {
    const { volume, secret, logs, reads } = await watched(3_600_000);
    const version = secret.version;
    await volume.update({ privateKey: 'second-value\n' });
    await waitFor(() => secret.value() === 'second-value', 10_000);
    expect(secret.version).toBe(version + 1);
    expect(reads.every((ok) => ok)).toBe(true);
    expect(logs.join('')).toContain('the secret file changed');
    expect(logs.join('')).not.toMatch(/first-value|second-value/);
  });

  it('finds a change that no event in the folder reports by the periodic check', async () => {
    const { volume, secret } = await watched(100);
    // Written in place inside the timestamped folder: the watched folder sees no event.
    await writeFile(join(volume.folder, '..data', 'privateKey'), 'changed-in-place');
    await waitFor(() => secret.value() === 'changed-in-place', 10_000);
  });

  it('keeps the last good value of a file that turns empty, and logs the code once', async () => {
    const { volume, secret, logs, reads } = await watched(50);
    await volume.update({ privateKey: '' });
    await waitFor(() => reads.filter((ok) => !ok).length >= 3, 10_000);
    expect(secret.value()).toBe('first-value');
    const warnings = logs.filter((line) => line.includes('cannot read the secret file'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ credential: 'abcdefgh@cloud.mongodb.com', field: 'privateKey', path: volume.path('privateKey'), code: 'EMPTY' });
  });
});
