/**
 * Loaded into the exporter child with `node --import …/probe.js dist/main.js …`; the exporter
 * itself is not modified. It measures the exporter's event-loop delay with
 * `perf_hooks.monitorEventLoopDelay` (1 ms resolution) and answers the bench over the IPC channel:
 * `{op: 'read'}` reports the histogram with the process memory, `{op: 'reset'}` reports and clears it;
 * `{op: 'memory'}` adds where the memory lies (see {@link MemoryParts}).
 * A recorded delay is the time between two 1 ms ticks, so a block of B ms reads as B to B+1 ms.
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';

export interface ProbeRequest {
  readonly id: number;
  readonly op: 'reset' | 'read' | 'memory';
}

/**
 * Where the exporter's resident memory lies: `process.memoryUsage()`, the committed size of each
 * V8 heap space, and the kernel's view (`/proc/self/smaps`: resident anonymous memory, and the
 * part of it in the brk heap, which is where glibc malloc keeps small C allocations).
 */
export interface MemoryParts {
  readonly heapTotalBytes: number;
  readonly heapUsedBytes: number;
  readonly externalBytes: number;
  readonly arrayBuffersBytes: number;
  /** Committed bytes per V8 space (new_space, old_space, code_space, large_object_space, …). */
  readonly spaces: Readonly<Record<string, number>>;
  /** Resident anonymous bytes, and those of the `[heap]` mapping; absent off Linux. */
  readonly anonymousBytes?: number;
  readonly brkHeapBytes?: number;
}

export interface ProbeReading {
  readonly id: number;
  /** Longest event-loop delay since the last reset, ms (0 when no tick completed). */
  readonly maxMs: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  readonly ticks: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly memory?: MemoryParts;
}

/** Resident anonymous memory, all of it and the brk heap's, from /proc/self/smaps (Linux only). */
function residentAnonymous(): { anonymousBytes: number; brkHeapBytes: number } | undefined {
  let smaps: string;
  try {
    smaps = readFileSync('/proc/self/smaps', 'latin1');
  } catch {
    return undefined;
  }
  let anonymousBytes = 0;
  let brkHeapBytes = 0;
  let inBrkHeap = false;
  for (const line of smaps.split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inBrkHeap = line.endsWith('[heap]');
    else if (line.startsWith('Anonymous:')) {
      const bytes = Number(line.slice(10).trim().split(' ')[0]) * 1024;
      anonymousBytes += bytes;
      if (inBrkHeap) brkHeapBytes += bytes;
    }
  }
  return { anonymousBytes, brkHeapBytes };
}

function memoryParts(usage: NodeJS.MemoryUsage): MemoryParts {
  return {
    heapTotalBytes: usage.heapTotal,
    heapUsedBytes: usage.heapUsed,
    externalBytes: usage.external,
    arrayBuffersBytes: usage.arrayBuffers,
    spaces: Object.fromEntries(getHeapSpaceStatistics().map((space) => [space.space_name, space.space_size])),
    ...residentAnonymous(),
  };
}

if (typeof process.send === 'function') {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  process.on('message', (message: ProbeRequest) => {
    const memory = process.memoryUsage();
    const ticks = histogram.count;
    const reading: ProbeReading = {
      id: message.id,
      maxMs: ticks > 0 ? histogram.max / 1e6 : 0,
      p99Ms: ticks > 0 ? histogram.percentile(99) / 1e6 : 0,
      meanMs: ticks > 0 ? histogram.mean / 1e6 : 0,
      ticks,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      ...(message.op === 'memory' ? { memory: memoryParts(memory) } : {}),
    };
    // The reading covers the time up to this request; `reset` then starts a new window.
    if (message.op === 'reset') histogram.reset();
    process.send?.(reading);
  });
  // The probe must never keep the exporter alive.
  process.channel?.unref();
}
