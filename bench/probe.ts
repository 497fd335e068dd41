/**
 * Loaded into the exporter child with `node --import …/probe.js dist/main.js …`; the exporter
 * itself is not modified. It measures the exporter's event-loop delay with
 * `perf_hooks.monitorEventLoopDelay` (1 ms resolution) and answers the bench over the IPC channel:
 * `{op: 'read'}` reports the histogram with the process memory, `{op: 'reset'}` reports and clears it.
 * A recorded delay is the time between two 1 ms ticks, so a block of B ms reads as B to B+1 ms.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface ProbeRequest {
  readonly id: number;
  readonly op: 'reset' | 'read';
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
    };
    // The reading covers the time up to this request; `reset` then starts a new window.
    if (message.op === 'reset') histogram.reset();
    process.send?.(reading);
  });
  // The probe must never keep the exporter alive.
  process.channel?.unref();
}
