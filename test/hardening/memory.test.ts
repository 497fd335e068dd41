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

function heapAfterGc(): number {
  gc();
  gc();
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

  let baseline = 0;
  for (let cycle = 1; cycle <= 1_000; cycle++) {
    flap(cycle);
    await stack.cycle();
    if (cycle % 50 === 0) await stack.scrapeText();
    if (cycle === 200) baseline = heapAfterGc();
  }
  const after = heapAfterGc();
  const growth = after - baseline;
  console.log(`heap after GC: cycle 200 ${(baseline / 1048576).toFixed(1)} MiB, cycle 1000 ${(after / 1048576).toFixed(1)} MiB`);
  // 800 cycles later, the heap may wobble but must not climb: less than 2 MB (about 2.5 kB a cycle would show).
  expect(growth).toBeLessThan(2 * 1024 * 1024);
  expect(stack.exporter.poller.snapshot?.cycle).toBe(1_001);
}, 120_000);
