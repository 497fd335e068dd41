/**
 * A real Prometheus server (Debian's /usr/bin/prometheus, or $PROMETHEUS_BIN) as a child process, and
 * a small client for its HTTP API. For the end-to-end tests only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, waitForStatus } from '../helpers/process.js';

export const PROMETHEUS_BIN = process.env['PROMETHEUS_BIN'] ?? '/usr/bin/prometheus';

/** One series of an instant vector. */
export interface Series {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface PrometheusOptions {
  /** Scrape targets (host:port), all in one job. */
  readonly targets: readonly string[];
  readonly job: string;
  /** Absolute paths. */
  readonly ruleFiles: readonly string[];
  /** Scrape and rule evaluation interval, e.g. `1s`. */
  readonly interval: string;
}

export interface PrometheusAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly state: 'pending' | 'firing' | 'inactive';
  readonly value: string;
  /** When the alert became active (pending, then firing), RFC 3339. */
  readonly activeAt?: string;
}

export interface RuleGroup {
  readonly name: string;
  readonly file: string;
  readonly rules: { name: string; type: string; health: string; lastError?: string; query: string; duration?: number }[];
}

export interface Prometheus {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything Prometheus logged (warn and up), for failure messages. */
  readonly log: () => string;
  /** An instant query; throws with Prometheus' error and the expression when it fails. */
  query(expr: string, timeSeconds?: number): Promise<Series[]>;
  /** A range query; returns the raw matrix. */
  queryRange(expr: string, startSeconds: number, endSeconds: number, stepSeconds: number): Promise<{ metric: Record<string, string>; values: [number, string][] }[]>;
  /** /api/v1/label/<name>/values?match[]=… over [start, end]. */
  labelValues(label: string, match: string, startSeconds: number, endSeconds: number): Promise<string[]>;
  alerts(): Promise<PrometheusAlert[]>;
  rules(): Promise<RuleGroup[]>;
  close(): Promise<void>;
}

/** Starts Prometheus on a free port of 127.0.0.1 with a generated config, and waits until it is ready. */
export async function startPrometheus(options: PrometheusOptions): Promise<Prometheus> {
  if (!existsSync(PROMETHEUS_BIN)) {
    throw new Error(
      `Prometheus not found at ${PROMETHEUS_BIN}: the end-to-end test runs a real Prometheus. ` +
        'Install it (Debian/Ubuntu: apt-get install prometheus) or point PROMETHEUS_BIN at a prometheus binary.',
    );
  }
  const folder = await mkdtemp(join(tmpdir(), 'apikey-e2e-prometheus-'));
  const configFile = join(folder, 'prometheus.yml');
  await writeFile(
    configFile,
    stringify({
      global: { scrape_interval: options.interval, scrape_timeout: options.interval, evaluation_interval: options.interval },
      rule_files: [...options.ruleFiles],
      scrape_configs: [{ job_name: options.job, metrics_path: '/metrics', static_configs: [{ targets: [...options.targets] }] }],
    }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(folder, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = once(child, 'exit');
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    }
    await rm(folder, { recursive: true, force: true });
  };
  try {
    await Promise.race([
      waitForStatus(`${url}/-/ready`, 200, 20_000),
      exited.then(([code, signal]) => {
        throw new Error(`prometheus exited (${String(code ?? signal)}) before it was ready:\n${log}`);
      }),
    ]);
  } catch (error) {
    await close();
    throw error;
  }

  const api = async <T>(path: string, params: Record<string, string | number | undefined>): Promise<T> => {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) if (value !== undefined) search.append(name, String(value));
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: search.toString(),
    });
    const body = (await response.json()) as { status: string; data: T; errorType?: string; error?: string };
    if (body.status !== 'success') {
      throw new Error(`${path} failed (${body.errorType ?? response.status}): ${body.error ?? ''}\n  ${JSON.stringify(params)}`);
    }
    return body.data;
  };
  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}${path}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path} failed: ${body.error ?? response.status}`);
    return body.data;
  };

  return {
    url,
    child,
    log: () => log,
    async query(expr, timeSeconds) {
      const data = await api<{ resultType: string; result: unknown }>('/api/v1/query', { query: expr, time: timeSeconds });
      if (data.resultType === 'scalar') {
        const [, value] = data.result as [number, string];
        return [{ metric: {}, value: Number(value) }];
      }
      if (data.resultType !== 'vector') throw new Error(`expected a vector, got ${data.resultType}: ${expr}`);
      return (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((s) => ({
        metric: s.metric,
        value: Number(s.value[1]),
      }));
    },
    async queryRange(expr, start, end, step) {
      const data = await api<{ resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] }>(
        '/api/v1/query_range',
        { query: expr, start, end, step },
      );
      if (data.resultType !== 'matrix') throw new Error(`expected a matrix, got ${data.resultType}: ${expr}`);
      return data.result;
    },
    async labelValues(label, match, start, end) {
      const search = new URLSearchParams({ 'match[]': match, start: String(start), end: String(end) });
      return get<string[]>(`/api/v1/label/${encodeURIComponent(label)}/values?${search.toString()}`);
    },
    async alerts() {
      return (await get<{ alerts: PrometheusAlert[] }>('/api/v1/alerts')).alerts;
    },
    async rules() {
      return (await get<{ groups: RuleGroup[] }>('/api/v1/rules')).groups;
    },
    close,
  };
}
