import { ExporterError } from './exporter-error.js';

/** The request never got a whole answer: refused, reset, unresolvable host, a proxy that refused. */
export class NetworkError extends ExporterError {
  override name = 'NetworkError';

  /** `via`: the proxy it went through, as it may be shown (no credentials). */
  constructor(method: string, url: string, cause: unknown, via?: string) {
    super('network', `${method} ${url} failed${via === undefined ? '' : ` through the proxy ${via}`}: ${describeCause(cause)}`, { cause });
  }
}

// node:http puts the code (ECONNREFUSED, ENOTFOUND, …) on the error; fetch hides it in `cause`.
function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const code = (cause as NodeJS.ErrnoException).code;
  if (code && !cause.message.includes(code)) return `${cause.message} (${code})`;
  const inner = cause.cause;
  if (inner instanceof Error) {
    const code = (inner as NodeJS.ErrnoException).code;
    return code ? `${cause.message} (${code})` : `${cause.message}: ${inner.message}`;
  }
  return cause.message;
}
