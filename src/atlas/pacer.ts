/**
 * Spaces requests to at most `perSecond` across the whole exporter (`poll.maxRequestsPerSecond`),
 * and lets a credential that was rate limited pause all of its requests.
 */
export class Pacer {
  readonly #intervalMs: number;
  #nextSlotAt = 0;
  readonly #pausedUntil = new Map<string, number>();

  constructor(perSecond: number | undefined) {
    this.#intervalMs = perSecond ? 1000 / perSecond : 0;
  }

  /** Waits for the credential's pause to end and for a request slot. */
  async wait(credentialId: string, signal: AbortSignal): Promise<void> {
    const pausedUntil = this.pausedUntil(credentialId);
    let now = Date.now();
    if (pausedUntil > now) await sleep(pausedUntil - now, signal);
    if (this.#intervalMs === 0) return;
    now = Date.now();
    const slot = Math.max(now, this.#nextSlotAt);
    this.#nextSlotAt = slot + this.#intervalMs;
    if (slot > now) await sleep(slot - now, signal);
  }

  /** Every request of this credential waits until `untilMs`; a pause is only ever extended. */
  pause(credentialId: string, untilMs: number): void {
    if (untilMs > this.pausedUntil(credentialId)) this.#pausedUntil.set(credentialId, untilMs);
  }

  /** When the credential's pause ends (epoch ms); 0 when it never was paused. */
  pausedUntil(credentialId: string): number {
    return this.#pausedUntil.get(credentialId) ?? 0;
  }
}

/** A timer that an abort ends early (by rejecting with the signal's reason). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
