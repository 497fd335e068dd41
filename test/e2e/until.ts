const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `condition` every 250 ms until it gives a value (anything but undefined or false), and
 * returns it; after `timeoutMs`, throws with the last error and `logs()` (the processes' output).
 */
export async function until<T>(what: string, condition: () => Promise<T | undefined | false>, timeoutMs: number, logs: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const result = await condition();
      if (result !== undefined && result !== false) return result;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}\n${logs()}`);
    }
    await sleep(250);
  }
}
