import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, expect, it } from 'vitest';
import { generateDataset, type Fault } from '../../src/simulator/index.js';
import { startStack, type Stack } from '../helpers/stack.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** Heap after a full GC, once fetch's FinalizationRegistry callbacks (which free request signals) have run. */
async function heapAfterGc(): Promise<number> {
  for (let round = 0; round < 3; round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return process.memoryUsage().heapUsed;
}

it('keeps the heap flat over 1,000 cycles whose scopes flap between faults', async () => {
  const dataset = generateDataset({ seed: 41, users: 2, keysPerUser: 20, projects: 4, keysPerProject: 3 });
  // The simulator shares this heap: a short nonce life makes it forget old nonces and their seen counts.
  stack = await startStack({ dataset, captureLogs: false, simulator: { nonceTtlMs: 1_000 }, configure: (config) => (config.poll.retries = 0) });
  const faults: (Fault | undefined)[] = [
    undefined,
    { type: 'status', status: 500 },
    { type: 'status', status: 401 },
    { type: 'truncated' },
    { type: 'reset' },
    { type: 'html' },
    { type: 'status', status: 429 },
  ];
  const targets = [...dataset.users.map((user) => user.id), ...dataset.projects.map((project) => project.id)];
  const flap = (cycle: number) => targets.forEach((target, index) => stack!.sim.setFault(target, faults[(cycle + index) % faults.length]));

  // Heap after a full GC every 100 cycles; the lowest reading of each window is the live set.
  const readings = new Map<number, number>();
  for (let cycle = 1; cycle <= 1_000; cycle++) {
    flap(cycle);
    await stack.cycle();
    if (cycle % 50 === 0) await stack.scrapeText();
    if (cycle % 100 === 0) readings.set(cycle, await heapAfterGc());
  }
  const lowest = (from: number, to: number) => Math.min(...[...readings].filter(([cycle]) => cycle >= from && cycle <= to).map(([, heap]) => heap));
  const early = lowest(200, 400);
  const late = lowest(800, 1_000);
  console.log(`heap after GC: cycles 200-400 ${(early / 1048576).toFixed(1)} MiB, cycles 800-1000 ${(late / 1048576).toFixed(1)} MiB`);
  // 500 cycles later the live set may wobble but must not climb: a leak of 3 kB a cycle would show.
  expect(late - early).toBeLessThan(1.5 * 1024 * 1024);
  expect(stack.exporter.poller.snapshot?.cycle).toBe(1_001);
}, 120_000);
