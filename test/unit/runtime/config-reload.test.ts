import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/errors/config-error.js';
import { ConfigReload } from '../../../src/runtime/config-reload.js';

const CONFIG = { poll: { intervalMs: 1_000 }, users: [], projects: [], organizations: [] } as unknown as Config;

function reloader(load: () => Promise<Config>) {
  const applied: Config[] = [];
  const observed: [boolean, number][] = [];
  const logs: string[] = [];
  const log = pino({ level: 'info' }, new Writable({ write: (chunk, _encoding, done) => done(void logs.push(String(chunk))) }));
  const reload = new ConfigReload({
    load,
    apply: async (config) => {
      // The first apply is the slowest: a second reload that did not wait for it would finish first.
      await new Promise((resolve) => setTimeout(resolve, applied.length === 0 ? 60 : 5));
      applied.push(config);
    },
    observe: (ok, atMs) => observed.push([ok, atMs]),
    log,
    now: () => 1_000_000,
  });
  return { reload, applied, observed, logs };
}

describe('ConfigReload', () => {
  it('applies a valid file and reports success with its time', async () => {
    const { reload, applied, observed } = reloader(async () => CONFIG);
    await reload.reload('SIGHUP');
    expect(applied).toEqual([CONFIG]);
    expect(observed).toEqual([[true, 1_000_000]]);
  });

  it('keeps the running config on an invalid file: nothing applied, 0 reported, the error logged and rethrown', async () => {
    const { reload, applied, observed, logs } = reloader(async () => {
      throw new ConfigError('config.yaml: invalid configuration\n✖ Too small: expected number to be >=1\n  → at poll.concurrency');
    });
    await expect(reload.reload('POST /-/reload')).rejects.toThrow(/poll\.concurrency/);
    expect(applied).toEqual([]);
    expect(observed).toEqual([[false, 1_000_000]]);
    expect(JSON.parse(logs[0]!)).toMatchObject({ trigger: 'POST /-/reload', msg: 'config reload failed; the running config stays' });
    expect(logs[0]).toContain('poll.concurrency');
  });

  it('runs reloads one at a time, in the order asked, a failure not stopping the next', async () => {
    let loads = 0;
    const { reload, applied, observed } = reloader(async () => {
      loads++;
      if (loads === 2) throw new ConfigError('bad');
      return { ...CONFIG, loads } as unknown as Config;
    });
    const results = await Promise.allSettled([reload.reload('SIGHUP'), reload.reload('SIGHUP'), reload.reload('SIGHUP')]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(applied.map((config) => (config as unknown as { loads: number }).loads)).toEqual([1, 3]);
    expect(observed.map(([ok]) => ok)).toEqual([true, false, true]);
  });
});
