/**
 * `npm run bench`: the exporter, run as a user runs it (`node dist/main.js --config.file=…`, a child
 * process, with the image's NODE_OPTIONS), against the simulator with P projects × K agent keys and
 * U users × M personal keys, every request delayed by a fixed latency. One run measures poll, scrape, memory and growth and
 * writes `bench/results.json`. Everything talks to 127.0.0.1 only. See `--help`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { cpus, freemem, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { stringify } from 'yaml';
import { EXPORTER_FAMILIES, KEY_FAMILIES, SCOPE_FAMILIES } from '../src/metrics/contract.js';
import { exporterConfigFor, generateDataset, startSimulator, type Simulator } from '../src/simulator/index.js';
import { buildBaseline } from './baseline.js';
import type { MemoryParts, ProbeReading, ProbeRequest } from './probe.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** dist-bench/bench → the repository. */
const ROOT = resolve(HERE, '..', '..');
const EXPORTER_MAIN = join(ROOT, 'dist', 'main.js');
const PROBE = join(HERE, 'probe.js');
const ITEMS_PER_PAGE = 500;

/** The NODE_OPTIONS the image runs the exporter with (`ENV NODE_OPTIONS=…` of the Dockerfile's last stage). */
function imageNodeOptions(): string {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  return /^ENV NODE_OPTIONS=(.+)$/m.exec(runtime)?.[1]?.replace(/^"(.*)"$/, '$1') ?? '';
}

const USAGE = `Usage: npm run bench -- [options]
  --projects=N          agent-key projects P                 [10000]
  --keys-per-project=N  agent keys per project K             [3]
  --users=N             users U                              [20]
  --keys-per-user=N     personal keys per user M             [600]
  --credentials=N       Cloud Manager credentials            [1]
  --latency=MS          fixed latency of every request       [25]
  --concurrency=N       poll.concurrency                     [16]
  --scrapes=N           scrapes per encoding (>= 50 for p99) [50]
  --baseline-runs=N     prom-client registry.metrics() runs  [10]
  --memory-cycles=N     cycles of the memory phase           [50]
  --growth=LIST         projects of the growth rows, or none [1000,10000]
  --memory-only         only the memory phase (RSS after cycle 5 and the last)
  --out=PATH            results file                         [bench/results.json]
`;

interface Scale {
  readonly projects: number;
  readonly keysPerProject: number;
  readonly users: number;
  readonly keysPerUser: number;
  readonly credentials: number;
  readonly latencyMs: number;
  readonly concurrency: number;
}

interface CycleLog {
  readonly cycle: number;
  readonly durationSeconds: number;
  readonly requests: number;
  readonly keys: number;
  readonly scopesFailed: number;
  readonly at: number;
}

/** {@link MemoryParts} in MB. */
type MemoryPartsMb = Record<string, number | Record<string, number>>;

function partsMb(parts: MemoryParts): MemoryPartsMb {
  const out: MemoryPartsMb = {};
  for (const [name, value] of Object.entries(parts)) {
    out[name.replace(/Bytes$/, 'Mb')] = typeof value === 'number' ? mb(value) : Object.fromEntries(Object.entries(value as Record<string, number>).map(([space, bytes]) => [space, mb(bytes)]));
  }
  return out;
}

interface CycleStats {
  readonly seconds: number;
  readonly boundSeconds: number;
  readonly dataRequests: number;
  readonly challenges: number;
  readonly maxInFlight: number;
  readonly scopesFailed: number;
  readonly keys: number;
  /** Longest event-loop delay inside the exporter during the cycle (the snapshot render included). */
  readonly eventLoopMaxMs: number;
  /** The exporter's RSS when the cycle's log line arrived. */
  readonly rssMb: number;
}

const round = (value: number, digits = 1): number => Number(value.toFixed(digits));
const mb = (bytes: number): number => round(bytes / 1048576, 1);
const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function boundSeconds(dataRequests: number, scale: Scale): number {
  return (Math.ceil(dataRequests / scale.concurrency) * scale.latencyMs) / 1000;
}

/** The exporter as a child process, with its log lines and the event-loop probe. */
class ExporterProcess {
  readonly child: ChildProcess;
  readonly cycles: CycleLog[] = [];
  readonly errors: string[] = [];
  port = 0;
  readonly #waiters = new Set<() => void>();
  readonly #probeAnswers = new Map<number, (reading: ProbeReading) => void>();
  #probeId = 0;
  #exited = false;

  constructor(configFile: string) {
    // As the image runs it; NODE_OPTIONS of the bench's own environment come after, and win.
    const nodeOptions = [imageNodeOptions(), process.env.NODE_OPTIONS ?? ''].join(' ').trim();
    this.child = spawn(process.execPath, ['--import', PROBE, EXPORTER_MAIN, `--config.file=${configFile}`, '--web.listen-address=127.0.0.1:0', '--log.level=info'], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: nodeOptions },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.#onLine(line));
    createInterface({ input: this.child.stderr! }).on('line', (line) => this.errors.push(line));
    this.child.on('message', (reading: ProbeReading) => this.#probeAnswers.get(reading.id)?.(reading));
    this.child.on('exit', () => {
      this.#exited = true;
      this.#notify();
    });
  }

  #onLine(line: string): void {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.errors.push(line);
      return;
    }
    if (entry.msg === 'listening') this.port = Number(String(entry.address).split(':').pop());
    if (entry.msg === 'poll cycle completed') {
      this.cycles.push({
        cycle: Number(entry.cycle),
        durationSeconds: Number(entry.durationSeconds),
        requests: Number(entry.requests),
        keys: Number(entry.keys),
        scopesFailed: Number(entry.scopesFailed),
        at: performance.now(),
      });
    }
    if (typeof entry.level === 'number' && entry.level >= 40 && this.errors.length < 20) this.errors.push(line);
    this.#notify();
  }

  #notify(): void {
    for (const waiter of this.#waiters) waiter();
  }

  /** Resolves once `done()` holds; rejects after `timeoutMs` or when the exporter exits. */
  async until<T>(what: string, done: () => T | undefined, timeoutMs: number): Promise<T> {
    const started = performance.now();
    for (;;) {
      const value = done();
      if (value !== undefined) return value;
      if (this.#exited) throw new Error(`exporter exited while waiting for ${what}: ${this.errors.slice(-5).join('\n')}`);
      if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      let finish = () => undefined as void;
      await new Promise<void>((wake) => {
        const timer = setTimeout(() => finish(), 500);
        finish = () => {
          clearTimeout(timer);
          wake();
        };
        this.#waiters.add(finish);
      });
      this.#waiters.delete(finish);
    }
  }

  cycle(n: number, timeoutMs: number): Promise<CycleLog> {
    return this.until(`poll cycle ${n}`, () => this.cycles.find((c) => c.cycle === n), timeoutMs);
  }

  probe(op: ProbeRequest['op']): Promise<ProbeReading> {
    const id = ++this.#probeId;
    return new Promise((resolveReading, reject) => {
      const timer = setTimeout(() => reject(new Error('probe did not answer')), 10_000);
      this.#probeAnswers.set(id, (reading) => {
        clearTimeout(timer);
        this.#probeAnswers.delete(id);
        resolveReading(reading);
      });
      this.child.send({ id, op } satisfies ProbeRequest);
    });
  }

  async stop(): Promise<void> {
    if (this.#exited) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

async function startExporterFor(sim: Simulator, folder: string, name: string, scale: Scale, intervalSeconds: number, timeoutSeconds: number): Promise<ExporterProcess> {
  const config = exporterConfigFor(sim, { interval: `${intervalSeconds}s` }) as { poll: Record<string, unknown> };
  config.poll.concurrency = scale.concurrency;
  config.poll.timeout = `${timeoutSeconds}s`;
  const file = join(folder, `${name}.yaml`);
  await writeFile(file, stringify(config), { mode: 0o600 });
  const exporter = new ExporterProcess(file);
  await exporter.until('the listening log line', () => (exporter.port > 0 ? true : undefined), 30_000);
  return exporter;
}

interface Scraped {
  readonly ms: number;
  readonly body: Buffer;
  readonly encoding: string | undefined;
}

/**
 * A scrape client that reads like Prometheus does: one keep-alive connection, big reads straight
 * into one buffer (net `onread`), HTTP/1.1 framing (Content-Length or chunked) parsed by hand.
 * Node's own http client spends about 70 ms in stream bookkeeping to receive a 38 MB body on
 * this machine, more than the exporter needs to serve it, so it would measure itself.
 */
class ScrapeClient {
  readonly #port: number;
  #socket: Socket | undefined;
  #data = Buffer.allocUnsafe(64 << 20);
  #length = 0;
  #onData: (() => void) | undefined;
  #failure: Error | undefined;

  constructor(port: number) {
    this.#port = port;
  }

  #connect(): Promise<Socket> {
    if (this.#socket && !this.#socket.destroyed) return Promise.resolve(this.#socket);
    const readBuffer = Buffer.allocUnsafe(4 << 20);
    const socket = connect({
      host: '127.0.0.1',
      port: this.#port,
      onread: {
        buffer: readBuffer,
        callback: (bytes: number, buffer: Uint8Array) => {
          if (this.#length + bytes > this.#data.length) {
            const grown = Buffer.allocUnsafe(Math.max(this.#data.length * 2, this.#length + bytes));
            this.#data.copy(grown, 0, 0, this.#length);
            this.#data = grown;
          }
          this.#data.set(buffer.subarray(0, bytes), this.#length);
          this.#length += bytes;
          this.#onData?.();
          return true;
        },
      },
    });
    socket.setNoDelay(true);
    socket.on('error', (error) => {
      this.#failure = error;
      this.#onData?.();
    });
    socket.on('close', () => {
      this.#failure ??= new Error('connection closed');
      this.#onData?.();
    });
    this.#socket = socket;
    return once(socket, 'connect').then(() => socket);
  }

  async get(gzip: boolean): Promise<Scraped> {
    const socket = await this.#connect();
    this.#length = 0;
    this.#failure = undefined;
    const walk = new ResponseWalk();
    const started = performance.now();
    socket.write(`GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:${this.#port}\r\nUser-Agent: apikey-bench\r\nAccept: text/plain\r\n${gzip ? 'Accept-Encoding: gzip\r\n' : ''}\r\n`);
    await new Promise<void>((resolveResponse, reject) => {
      this.#onData = () => {
        if (this.#failure) return reject(this.#failure);
        if (walk.complete(this.#data.subarray(0, this.#length))) resolveResponse();
      };
    });
    // Latency ends with the last byte; joining the body afterwards is the client's business.
    const ms = performance.now() - started;
    this.#onData = undefined;
    if (walk.status !== 200) throw new Error(`/metrics answered ${walk.status}`);
    return { ms, body: walk.body(this.#data), encoding: walk.headers.get('content-encoding') };
  }

  close(): void {
    this.#socket?.destroy();
  }
}

/**
 * One HTTP/1.1 response as it arrives: headers, then Content-Length or the chunk framing, walked
 * once (each call goes on from where the last one stopped).
 */
class ResponseWalk {
  status = 0;
  headers = new Map<string, string>();
  readonly #spans: [number, number][] = [];
  #at = -1;
  #end = -1;
  #done = false;

  complete(data: Buffer): boolean {
    if (this.#done) return true;
    if (this.#at === -1) {
      const headEnd = data.indexOf('\r\n\r\n');
      if (headEnd === -1) return false;
      const [statusLine, ...lines] = data.toString('latin1', 0, headEnd).split('\r\n');
      this.status = Number(statusLine?.split(' ')[1]);
      this.headers = new Map(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      this.#at = headEnd + 4;
      const length = this.headers.get('content-length');
      if (length !== undefined) this.#end = this.#at + Number(length);
      else if (this.headers.get('transfer-encoding') !== 'chunked') throw new Error('neither Content-Length nor chunked');
    }
    if (this.#end !== -1) {
      this.#done = data.length >= this.#end;
      if (this.#done) this.#spans.push([this.#at, this.#end]);
      return this.#done;
    }
    for (;;) {
      const lineEnd = data.indexOf('\r\n', this.#at);
      if (lineEnd === -1) return false;
      const size = parseInt(data.toString('latin1', this.#at, lineEnd), 16);
      if (size === 0) {
        this.#done = data.length >= lineEnd + 4;
        return this.#done;
      }
      if (data.length < lineEnd + 2 + size + 2) return false;
      this.#spans.push([lineEnd + 2, lineEnd + 2 + size]);
      this.#at = lineEnd + 2 + size + 2;
    }
  }

  body(data: Buffer): Buffer {
    return Buffer.concat(this.#spans.map(([from, to]) => data.subarray(from, to)));
  }
}

function countSeries(text: string): number {
  let series = 0;
  let at = 0;
  while (at < text.length) {
    let end = text.indexOf('\n', at);
    if (end === -1) end = text.length;
    if (end > at && text.charCodeAt(at) !== 35 /* # */) series++;
    at = end + 1;
  }
  return series;
}

interface ScrapeResults {
  series: number;
  keySeries: number;
  bytes: number;
  gzipBytes: number;
  medianMs: number;
  p99Ms: number;
  gzipMedianMs: number;
  gzipP99Ms: number;
  eventLoopMaxMs: number;
  eventLoopMedianMs: number;
  gzipEventLoopMaxMs: number;
  scrapes: number;
  overlappedPoll: boolean;
  text: string;
}

/** `count` scrapes per encoding; the event-loop probe is reset before and read after each. */
async function measureScrapes(exporter: ExporterProcess, count: number): Promise<ScrapeResults> {
  const client = new ScrapeClient(exporter.port);
  for (const gzip of [false, true, false, true]) await client.get(gzip);
  const cyclesBefore = exporter.cycles.length;
  const run = async (gzip: boolean) => {
    const times: number[] = [];
    const loop: number[] = [];
    let last: Scraped | undefined;
    for (let index = 0; index < count; index++) {
      await exporter.probe('reset');
      await sleep(5);
      last = await client.get(gzip);
      times.push(last.ms);
      // Give the exporter's loop a tick after the response so the last block is recorded.
      await sleep(10);
      loop.push((await exporter.probe('read')).maxMs);
    }
    return { times, loop, last: last! };
  };
  const plain = await run(false);
  const zipped = await run(true);
  client.close();
  if (plain.last.encoding !== undefined || zipped.last.encoding !== 'gzip') throw new Error('unexpected Content-Encoding');
  const text = plain.last.body.toString('utf8');
  const series = countSeries(text);
  const ours = (body: string) => countSeries(body.split('\n').filter((line) => line.startsWith('mongodb_apikey_')).join('\n'));
  const keySeries = ours(text);
  const unzipped = ours(gunzipSync(zipped.last.body).toString('utf8'));
  if (unzipped !== keySeries) throw new Error(`gzip body has ${unzipped} mongodb_apikey_ series, plain ${keySeries}`);
  return {
    series,
    keySeries,
    bytes: plain.last.body.length,
    gzipBytes: zipped.last.body.length,
    medianMs: round(percentile(plain.times, 50), 2),
    p99Ms: round(percentile(plain.times, 99), 2),
    gzipMedianMs: round(percentile(zipped.times, 50), 2),
    gzipP99Ms: round(percentile(zipped.times, 99), 2),
    eventLoopMaxMs: round(Math.max(...plain.loop, ...zipped.loop), 2),
    eventLoopMedianMs: round(percentile([...plain.loop, ...zipped.loop], 50), 2),
    gzipEventLoopMaxMs: round(Math.max(...zipped.loop), 2),
    scrapes: count,
    overlappedPoll: exporter.cycles.length !== cyclesBefore,
    text,
  };
}

interface BaselineResults {
  series: number;
  medianMs: number;
  runs: number;
}

async function measureBaseline(text: string, runs: number): Promise<BaselineResults> {
  const wanted = new Set([...Object.values(KEY_FAMILIES), ...Object.values(SCOPE_FAMILIES), EXPORTER_FAMILIES.lastPoll].map((family) => family.name));
  const { registry, series } = buildBaseline(text, wanted);
  const gc = (globalThis as { gc?: () => void }).gc;
  const times: number[] = [];
  await registry.metrics(); // warm-up
  for (let index = 0; index < runs; index++) {
    gc?.();
    const started = performance.now();
    await registry.metrics();
    times.push(performance.now() - started);
  }
  return { series, medianMs: round(percentile(times, 50), 1), runs };
}

function promtoolCheck(text: string): string {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  if (result.error) return (result.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'promtool not found' : `promtool failed: ${result.error.message}`;
  const output = `${result.stdout}${result.stderr}`.trim();
  return result.status === 0 && output === '' ? 'clean' : `status ${result.status}: ${output.split('\n').slice(0, 5).join(' | ')}`;
}

function expectedDataRequests(scale: Scale): number {
  return scale.credentials * Math.max(1, Math.ceil(scale.projects / ITEMS_PER_PAGE)) + scale.projects + scale.users * Math.max(1, Math.ceil(scale.keysPerUser / ITEMS_PER_PAGE));
}

interface ScaleRun {
  scale: Scale;
  /** Absent with --memory-only. */
  firstCycle?: CycleStats;
  laterCycle?: CycleStats;
  scrape?: ScrapeResults;
  baseline?: BaselineResults;
  memory: {
    cycles: number;
    rssMb: number;
    rssMbLast: number;
    rssGrowthPct: number;
    heapUsedMb: number;
    heapUsedMbLast: number;
    rssMbByCycle: number[];
    cycleSeconds: number;
    parts: MemoryPartsMb;
    partsLast: MemoryPartsMb;
  };
  seconds: number;
}

/** A run of both phases. */
type FullRun = ScaleRun & { firstCycle: CycleStats; laterCycle: CycleStats };

function full(run: ScaleRun): FullRun {
  if (run.firstCycle === undefined || run.laterCycle === undefined) throw new Error('the poll phase did not run');
  return run as FullRun;
}

async function cycleStats(exporter: ExporterProcess, sim: Simulator, n: number, scale: Scale, timeoutMs: number): Promise<CycleStats> {
  const log = await exporter.cycle(n, timeoutMs);
  const { dataRequests, challenges, maxInFlight } = sim.stats;
  const loop = await exporter.probe('reset');
  sim.resetStats();
  return {
    seconds: log.durationSeconds,
    boundSeconds: boundSeconds(dataRequests, scale),
    dataRequests,
    challenges,
    maxInFlight,
    scopesFailed: log.scopesFailed,
    keys: log.keys,
    eventLoopMaxMs: round(loop.maxMs, 1),
    rssMb: mb(loop.rssBytes),
  };
}

/** One scale: phase A (latency, two cycles, scrapes in between) and phase B (memory: latency 0, short interval). */
async function runScale(scale: Scale, options: { scrapes: number; baselineRuns: number; memoryCycles: number; memoryOnly?: boolean }, log: (line: string) => void): Promise<ScaleRun> {
  const started = performance.now();
  const folder = await mkdtemp(join(tmpdir(), 'apikey-bench-'));
  const dataset = generateDataset({
    seed: 1,
    projects: scale.projects,
    keysPerProject: scale.keysPerProject,
    users: scale.users,
    keysPerUser: scale.keysPerUser,
    credentials: scale.credentials,
  });
  const sim = await startSimulator({ dataset, latencyMs: scale.latencyMs, host: '127.0.0.1' });
  try {
    // Phase A: the interval leaves room for the scrapes between cycle 1 and cycle 2.
    const estimate = boundSeconds(expectedDataRequests(scale), scale) * 1.3 + 3;
    const interval = Math.ceil(estimate + (options.scrapes > 0 ? 8 + options.scrapes * 0.15 : 2));
    const cycleTimeoutMs = (estimate * 4 + 60) * 1000;
    let scrapeResults: ScrapeResults | undefined;
    let baseline: BaselineResults | undefined;
    let firstCycle: CycleStats | undefined;
    let laterCycle: CycleStats | undefined;
    if (!options.memoryOnly) {
      log(`P=${scale.projects}: phase A, interval ${interval}s (expect about ${Math.round(estimate)} s per cycle)`);
      sim.resetStats();
      const exporter = await startExporterFor(sim, folder, 'phase-a', scale, interval, Math.min(30, interval));
      try {
        await exporter.probe('reset');
        firstCycle = await cycleStats(exporter, sim, 1, scale, cycleTimeoutMs);
        log(`  cycle 1: ${firstCycle.seconds} s (bound ${firstCycle.boundSeconds} s), ${firstCycle.dataRequests} data requests, ${firstCycle.challenges} challenges`);
        if (options.scrapes > 0) {
          scrapeResults = await measureScrapes(exporter, options.scrapes);
          log(`  scrapes: median ${scrapeResults.medianMs} ms, gzip ${scrapeResults.gzipMedianMs} ms, event loop max ${scrapeResults.eventLoopMaxMs} ms`);
          await exporter.probe('reset');
        }
        laterCycle = await cycleStats(exporter, sim, 2, scale, cycleTimeoutMs + interval * 1000);
        log(`  cycle 2: ${laterCycle.seconds} s (bound ${laterCycle.boundSeconds} s), ${laterCycle.challenges} challenges`);
      } finally {
        await exporter.stop();
      }
    }
    if (scrapeResults !== undefined && options.baselineRuns > 0) {
      baseline = await measureBaseline(scrapeResults.text, options.baselineRuns);
      log(`  prom-client baseline: ${baseline.series} series in ${baseline.medianMs} ms (median of ${baseline.runs})`);
    }

    // Phase B: memory over many cycles, as fast as the simulator answers.
    sim.setLatency(0);
    log(`P=${scale.projects}: phase B, ${options.memoryCycles} cycles at latency 0, interval 2s`);
    const memoryExporter = await startExporterFor(sim, folder, 'phase-b', scale, 2, 2);
    const rss: number[] = [];
    const heap: number[] = [];
    const parts: MemoryParts[] = [];
    const phaseStarted = performance.now();
    try {
      for (let n = 1; n <= options.memoryCycles; n++) {
        await memoryExporter.cycle(n, cycleTimeoutMs);
        const reading = await memoryExporter.probe('memory');
        rss.push(reading.rssBytes);
        heap.push(reading.heapUsedBytes);
        parts.push(reading.memory!);
      }
    } finally {
      await memoryExporter.stop();
    }
    const at5 = rss[Math.min(4, rss.length - 1)]!;
    const last = rss[rss.length - 1]!;
    const memory = {
      cycles: options.memoryCycles,
      rssMb: mb(at5),
      rssMbLast: mb(last),
      rssGrowthPct: round(((last - at5) / at5) * 100, 2),
      heapUsedMb: mb(heap[Math.min(4, heap.length - 1)]!),
      heapUsedMbLast: mb(heap[heap.length - 1]!),
      rssMbByCycle: rss.map(mb),
      cycleSeconds: round((performance.now() - phaseStarted) / 1000 / options.memoryCycles, 2),
      parts: partsMb(parts[Math.min(4, parts.length - 1)]!),
      partsLast: partsMb(parts[parts.length - 1]!),
    };
    log(`  RSS: ${memory.rssMb} MB after cycle ${Math.min(5, rss.length)}, ${memory.rssMbLast} MB after cycle ${rss.length} (${memory.rssGrowthPct} %)`);
    log(`  memory after cycle ${Math.min(5, rss.length)}: ${JSON.stringify(memory.parts)}`);
    return { scale, ...(firstCycle && laterCycle ? { firstCycle, laterCycle } : {}), ...(scrapeResults ? { scrape: scrapeResults } : {}), ...(baseline ? { baseline } : {}), memory, seconds: round((performance.now() - started) / 1000) };
  } finally {
    await sim.close();
    await rm(folder, { recursive: true, force: true });
  }
}

function machine() {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const info = spawnSync('grep', ['-m1', 'model name', '/proc/cpuinfo'], { encoding: 'utf8' }).stdout;
    if (info) cpuModel = info.split(':').slice(1).join(':').trim();
  } catch {
    // cpus() is enough
  }
  return {
    nproc: cpus().length,
    cpuModel,
    memTotalGiB: round(totalmem() / 2 ** 30, 1),
    memFreeGiB: round(freemem() / 2 ** 30, 1),
    node: process.version,
    exporterNodeOptions: imageNodeOptions(),
    platform: `${process.platform} ${process.arch}`,
  };
}

interface Target {
  name: string;
  value: string;
  target: string;
  met: boolean;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      projects: { type: 'string', default: '10000' },
      'keys-per-project': { type: 'string', default: '3' },
      users: { type: 'string', default: '20' },
      'keys-per-user': { type: 'string', default: '600' },
      credentials: { type: 'string', default: '1' },
      latency: { type: 'string', default: '25' },
      concurrency: { type: 'string', default: '16' },
      scrapes: { type: 'string', default: '50' },
      'baseline-runs': { type: 'string', default: '10' },
      'memory-cycles': { type: 'string', default: '50' },
      growth: { type: 'string', default: '1000,10000' },
      'memory-only': { type: 'boolean', default: false },
      out: { type: 'string', default: join(ROOT, 'bench', 'results.json') },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const int = (name: keyof typeof values, min: number): number => {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < min) throw new Error(`--${name}: expected an integer >= ${min}`);
    return value;
  };
  const scale: Scale = {
    projects: int('projects', 0),
    keysPerProject: int('keys-per-project', 0),
    users: int('users', 0),
    keysPerUser: int('keys-per-user', 0),
    credentials: int('credentials', 1),
    latencyMs: int('latency', 0),
    concurrency: int('concurrency', 1),
  };
  const scrapes = int('scrapes', 1);
  const growthProjects = values.growth === 'none' ? [] : String(values.growth).split(',').map((p) => Number(p.trim()));
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
  const started = performance.now();
  const host = machine();
  log(`${host.nproc} × ${host.cpuModel}, ${host.memTotalGiB} GiB, node ${host.node}`);

  if (values['memory-only']) {
    const { memory } = await runScale(scale, { scrapes: 0, baselineRuns: 0, memoryCycles: int('memory-cycles', 5), memoryOnly: true }, log);
    await writeFile(String(values.out), `${JSON.stringify({ scale, memory, machine: host, benchSeconds: round((performance.now() - started) / 1000, 0) }, null, 2)}\n`);
    process.stdout.write(`RSS ${memory.rssMb} MB after cycle 5, ${memory.rssMbLast} MB after cycle ${memory.cycles} (${memory.rssGrowthPct} %)\nbench: wrote ${values.out}\n`);
    return;
  }
  const main = full(await runScale(scale, { scrapes, baselineRuns: int('baseline-runs', 0), memoryCycles: int('memory-cycles', 5) }, log));
  const promtool = promtoolCheck(main.scrape!.text);
  log(`promtool check metrics: ${promtool}`);
  const growthRuns: FullRun[] = [];
  for (const projects of growthProjects) {
    if (projects === scale.projects) growthRuns.push(main);
    else growthRuns.push(full(await runScale({ ...scale, projects }, { scrapes: 0, baselineRuns: 0, memoryCycles: 5 }, log)));
  }
  growthRuns.sort((a, b) => a.scale.projects - b.scale.projects);

  const s = main.scrape!;
  const b = main.baseline;
  const credentialCount = scale.users + scale.credentials;
  const growthRows = growthRuns.map((run) => ({
    projects: run.scale.projects,
    dataRequests: run.firstCycle.dataRequests,
    pollSeconds: run.firstCycle.seconds,
    laterPollSeconds: run.laterCycle.seconds,
    boundSeconds: run.firstCycle.boundSeconds,
    keys: run.firstCycle.keys,
    rssMb: run.memory.rssMb,
  }));
  const first = growthRows[0];
  const lastRow = growthRows[growthRows.length - 1];
  const ratios =
    first && lastRow && first !== lastRow
      ? {
          workRatio: round(lastRow.dataRequests / first.dataRequests, 2),
          pollRatio: round(lastRow.pollSeconds / first.pollSeconds, 2),
          pollSecondsPerRequestMs: growthRows.map((row) => round((row.pollSeconds / row.dataRequests) * 1000, 3)),
          rssRatio: round(lastRow.rssMb / first.rssMb, 2),
          keysRatio: round(lastRow.keys / first.keys, 2),
        }
      : undefined;
  const growth = { scales: growthRows, ...ratios };

  const results = {
    scale: {
      projects: scale.projects,
      keysPerProject: scale.keysPerProject,
      users: scale.users,
      keysPerUser: scale.keysPerUser,
      latencyMs: scale.latencyMs,
      concurrency: scale.concurrency,
      credentials: credentialCount,
    },
    poll: {
      seconds: main.firstCycle.seconds,
      boundSeconds: main.firstCycle.boundSeconds,
      dataRequests: main.firstCycle.dataRequests,
      challenges: main.firstCycle.challenges,
      maxInFlight: main.firstCycle.maxInFlight,
      scopesFailed: main.firstCycle.scopesFailed,
      eventLoopMaxMs: main.firstCycle.eventLoopMaxMs,
      laterCycle: main.laterCycle,
    },
    scrape: {
      series: s.series,
      keyAndScopeSeries: s.keySeries,
      bytes: s.bytes,
      gzipBytes: s.gzipBytes,
      medianMs: s.medianMs,
      p99Ms: s.p99Ms,
      gzipMedianMs: s.gzipMedianMs,
      gzipP99Ms: s.gzipP99Ms,
      eventLoopMaxMs: s.eventLoopMaxMs,
      eventLoopMedianMs: s.eventLoopMedianMs,
      baselineMedianMs: b?.medianMs ?? null,
      baselineSeries: b?.series ?? null,
      speedup: b ? round(b.medianMs / s.medianMs, 1) : null,
      scrapes: s.scrapes,
      overlappedPoll: s.overlappedPoll,
      promtool,
    },
    memory: {
      rssMb: main.memory.rssMb,
      rssGrowthPct: main.memory.rssGrowthPct,
      rssMbLast: main.memory.rssMbLast,
      cycles: main.memory.cycles,
      heapUsedMb: main.memory.heapUsedMb,
      heapUsedMbLast: main.memory.heapUsedMbLast,
      secondsPerCycle: main.memory.cycleSeconds,
      rssMbByCycle: main.memory.rssMbByCycle,
      parts: main.memory.parts,
      partsLast: main.memory.partsLast,
    },
    growth,
    machine: host,
    benchSeconds: 0,
  };

  const l = main.laterCycle;
  const targets: Target[] = [
    { name: 'poll wall time (cycle 1)', value: `${results.poll.seconds} s`, target: `<= 1.15 × ${results.poll.boundSeconds} s = ${round(1.15 * results.poll.boundSeconds, 2)} s`, met: results.poll.seconds <= 1.15 * results.poll.boundSeconds },
    { name: 'poll wall time (cycle 2)', value: `${l.seconds} s`, target: `<= 1.15 × ${l.boundSeconds} s = ${round(1.15 * l.boundSeconds, 2)} s`, met: l.seconds <= 1.15 * l.boundSeconds },
    { name: '401 challenges, cycle 1', value: String(results.poll.challenges), target: `<= ${scale.concurrency} × ${credentialCount} = ${scale.concurrency * credentialCount}`, met: results.poll.challenges <= scale.concurrency * credentialCount },
    { name: '401 challenges, cycle 2', value: String(l.challenges), target: `<= ${credentialCount}`, met: l.challenges <= credentialCount },
    { name: 'requests in flight at most', value: String(Math.max(results.poll.maxInFlight, l.maxInFlight)), target: `<= ${scale.concurrency}`, met: Math.max(results.poll.maxInFlight, l.maxInFlight) <= scale.concurrency },
    { name: '/metrics median, plain', value: `${s.medianMs} ms (p99 ${s.p99Ms})`, target: '<= 60 ms', met: s.medianMs <= 60 },
    { name: '/metrics median, gzip', value: `${s.gzipMedianMs} ms (p99 ${s.gzipP99Ms})`, target: `<= 2 × plain = ${round(2 * s.medianMs, 1)} ms`, met: s.gzipMedianMs <= 2 * s.medianMs },
    { name: 'event-loop block per scrape', value: `${s.eventLoopMaxMs} ms max`, target: '<= 30 ms', met: s.eventLoopMaxMs <= 30 },
    { name: 'vs prom-client Gauges', value: b ? `${results.scrape.speedup} × (${b.medianMs} ms)` : 'not run', target: '>= 8 ×', met: b !== undefined && b.medianMs / s.medianMs >= 8 },
    { name: 'RSS after 5 cycles', value: `${results.memory.rssMb} MB`, target: '<= 250 MB', met: results.memory.rssMb <= 250 },
    { name: `RSS growth, cycle 5 → ${results.memory.cycles}`, value: `${results.memory.rssGrowthPct} %`, target: '<= 5 %', met: results.memory.rssGrowthPct <= 5 },
  ];
  if (ratios !== undefined) {
    targets.push(
      { name: `poll time growth P=${first!.projects}→${lastRow!.projects}`, value: `× ${ratios.pollRatio} (work × ${ratios.workRatio})`, target: `<= × ${ratios.workRatio}`, met: ratios.pollRatio <= ratios.workRatio },
      { name: `RSS growth P=${first!.projects}→${lastRow!.projects}`, value: `× ${ratios.rssRatio} (keys × ${ratios.keysRatio})`, target: `<= × ${ratios.keysRatio}`, met: ratios.rssRatio <= ratios.keysRatio },
    );
  }
  targets.push({ name: 'promtool check metrics', value: promtool, target: 'clean', met: promtool === 'clean' });
  results.benchSeconds = round((performance.now() - started) / 1000, 0);
  const withTargets = { ...results, targets };
  await writeFile(String(values.out), `${JSON.stringify(withTargets, null, 2)}\n`);

  const rows: [string, string, string, string][] = [
    ['scale', `P=${scale.projects}×${scale.keysPerProject}, U=${scale.users}×${scale.keysPerUser}, latency ${scale.latencyMs} ms, concurrency ${scale.concurrency}`, '', ''],
    ['poll data requests / challenges', `${results.poll.dataRequests} / ${results.poll.challenges}`, '', ''],
    ['scrape series / bytes / gzip bytes', `${s.series} / ${s.bytes} / ${s.gzipBytes}`, '', ''],
    ...targets.map((t): [string, string, string, string] => [t.name, t.value, t.target, t.met ? 'yes' : 'NO']),
    ...growthRows.map((row): [string, string, string, string] => [`growth P=${row.projects}`, `poll ${row.pollSeconds} s (bound ${row.boundSeconds} s, ${row.dataRequests} requests), RSS ${row.rssMb} MB`, '', '']),
  ];
  const widths = [0, 1, 2, 3].map((column) => Math.max(...rows.map((row) => row[column]!.length), ['measure', 'value', 'target', 'met'][column]!.length));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, index) => cell.padEnd(widths[index]!)).join(' | ')} |`;
  process.stdout.write(
    [line(['measure', 'value', 'target', 'met']), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n') +
      `\n\nbench: wrote ${values.out} in ${results.benchSeconds} s\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
