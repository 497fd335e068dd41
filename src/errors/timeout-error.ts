import { ExporterError } from './exporter-error.js';

/** A request took longer than `poll.timeout`. */
export class TimeoutError extends ExporterError {
  override name = 'TimeoutError';

  constructor(method: string, url: string, timeoutMs: number) {
    super('timeout', `${method} ${url} timed out after ${timeoutMs} ms`);
  }
}
