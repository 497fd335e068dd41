// autocannon ships no types; the tests use this much of it.
declare module 'autocannon' {
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    headers?: Record<string, string>;
    verifyBody?: (body: string) => boolean;
  }
  interface Result {
    requests: { total: number };
    errors: number;
    timeouts: number;
    mismatches: number;
    non2xx: number;
    '2xx': number;
    latency: { p99: number; average: number };
  }
  export default function autocannon(options: Options): Promise<Result>;
}
