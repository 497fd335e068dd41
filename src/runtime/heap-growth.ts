import { setFlagsFromString } from 'node:v8';

/**
 * Caps how far V8 lets the old generation grow past what the last full collection kept before it
 * collects again, in percent; 0 leaves V8's own choice.
 *
 * Why: V8 lets it grow by up to 300 % on hosts with memory to spare. This process keeps a steady
 * live set (the snapshot, the code) and makes a cycle's worth of garbage that outlives the young
 * generation (responses in flight, the render), so its heap swung between one and four times the
 * live set: RSS moved by 70 MB from cycle to cycle at 42,000 keys. At 30 % it stays within 1.3
 * times, for more frequent full collections, which are incremental and mostly concurrent.
 * V8 reads the setting whenever it sets the next limit, so it works when set at start-up; it is
 * not one of the V8 options NODE_OPTIONS accepts.
 */
export function limitHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
