/**
 * Renders the Helm chart for the tests: with `helm template` when a helm binary is on PATH,
 * otherwise with test/helm/renderer (Go's text/template + sprig + Helm's functions), built on
 * first use from Debian's golang-go and golang-github-masterminds-sprig-dev in GOPATH mode and
 * cached per content hash in the temp folder.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const chartDir = join(repoRoot, 'helm', 'mongodb-apikey-exporter');
const rendererDir = fileURLToPath(new URL('./renderer/', import.meta.url));
export const GOPATH_DEBIAN = '/usr/share/gocode';

/** A Kubernetes object as rendered. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

export interface RenderOptions {
  /** Values merged over values.yaml, in order (objects are written to temp files). */
  values?: readonly Record<string, unknown>[];
  releaseName?: string;
  namespace?: string;
  kubeVersion?: string;
  /** Extra API versions for .Capabilities.APIVersions. */
  apiVersions?: readonly string[];
  /** Chart folder; the project's chart by default. */
  chart?: string;
  /** Force an engine (default: {@link engine}). */
  engine?: 'helm' | 'renderer';
}

function onPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, binary);
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Which engine renders: `helm` when on PATH (unless MAE_HELM_RENDERER=go), else the Go renderer. */
export function engine(): 'helm' | 'renderer' {
  if (process.env.MAE_HELM_RENDERER === 'go') return 'renderer';
  return onPath('helm') === undefined ? 'renderer' : 'helm';
}

let rendererBinary: string | undefined;

/** Builds (once per content hash) and returns the path of the Go renderer. */
export function buildRenderer(): string {
  if (rendererBinary !== undefined) return rendererBinary;
  const go = onPath('go');
  if (go === undefined) throw new Error('no `go` on PATH: install the Debian packages golang-go and golang-github-masterminds-sprig-dev');
  if (!existsSync(join(GOPATH_DEBIAN, 'src', 'github.com', 'Masterminds', 'sprig'))) {
    throw new Error(`sprig sources missing under ${GOPATH_DEBIAN}: install the Debian package golang-github-masterminds-sprig-dev`);
  }
  const source = readFileSync(join(rendererDir, 'main.go'));
  const goVersion = execFileSync(go, ['version'], { encoding: 'utf8' });
  const hash = createHash('sha256').update(source).update(goVersion).digest('hex').slice(0, 16);
  const cacheDir = join(tmpdir(), 'mongodb-apikey-exporter-helm-renderer');
  const binary = join(cacheDir, `renderer-${hash}`);
  if (!existsSync(binary)) {
    mkdirSync(cacheDir, { recursive: true });
    const partial = `${binary}.${process.pid}.tmp`;
    const result = spawnSync(go, ['build', '-o', partial, '.'], {
      cwd: rendererDir,
      encoding: 'utf8',
      timeout: 300_000,
      env: {
        ...process.env,
        GO111MODULE: 'off',
        GOPATH: `${GOPATH_DEBIAN}${delimiter}${join(cacheDir, 'gopath')}`,
        GOCACHE: join(cacheDir, 'gocache'),
        GOFLAGS: '',
        GOPROXY: 'off',
        CGO_ENABLED: '0',
      },
    });
    if (result.status !== 0) throw new Error(`building the Go renderer failed:\n${result.stderr}${result.stdout}`);
    renameSync(partial, binary); // atomic: parallel test files may build at the same time
  }
  rendererBinary = binary;
  return binary;
}

export class RenderError extends Error {
  override name = 'RenderError';
}

/** Renders the chart and returns the raw YAML stream. Throws RenderError when rendering fails. */
export function renderRaw(options: RenderOptions = {}): string {
  const tmp = mkdtempSync(join(tmpdir(), 'mae-helm-values-'));
  try {
    const valueFiles = (options.values ?? []).map((values, i) => {
      const file = join(tmp, `values-${i}.yaml`);
      writeFileSync(file, stringify(values));
      return file;
    });
    const releaseName = options.releaseName ?? 'release-name';
    const namespace = options.namespace ?? 'default';
    const kubeVersion = options.kubeVersion ?? '1.30.0';
    let command: string;
    let args: string[];
    const chart = options.chart ?? chartDir;
    if ((options.engine ?? engine()) === 'helm') {
      command = 'helm';
      args = ['template', releaseName, chart, '--namespace', namespace, '--kube-version', kubeVersion];
      for (const f of valueFiles) args.push('--values', f);
      for (const v of options.apiVersions ?? []) args.push('--api-versions', v);
    } else {
      command = buildRenderer();
      args = ['--chart', chart, '--release-name', releaseName, '--namespace', namespace, '--kube-version', kubeVersion];
      for (const f of valueFiles) args.push('--values', f);
      for (const v of options.apiVersions ?? []) args.push('--api-versions', v);
    }
    const result = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
    if (result.status !== 0) throw new RenderError(`${command} failed (${result.status ?? result.signal}): ${result.stderr}`);
    return result.stdout;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Renders NOTES.txt (Go renderer only: `helm template` does not print notes). */
export function renderNotes(options: RenderOptions = {}): string {
  const tmp = mkdtempSync(join(tmpdir(), 'mae-helm-values-'));
  try {
    const args = ['--chart', chartDir, '--notes', '--release-name', options.releaseName ?? 'release-name', '--namespace', options.namespace ?? 'default'];
    (options.values ?? []).forEach((values, i) => {
      const file = join(tmp, `values-${i}.yaml`);
      writeFileSync(file, stringify(values));
      args.push('--values', file);
    });
    const out = execFileSync(buildRenderer(), args, { encoding: 'utf8' });
    const marker = out.indexOf('# NOTES: ');
    if (marker < 0) return '';
    const start = out.indexOf('\n', marker) + 1;
    const end = out.indexOf('\n---\n# Source: ', start);
    return out.slice(start, end < 0 ? undefined : end);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Renders the chart and parses every YAML document (empty documents dropped). */
export function render(options: RenderOptions = {}): K8sObject[] {
  const raw = renderRaw(options);
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(raw)) {
    if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors[0]?.message ?? ''}\n${String(doc)}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    objects.push(value as K8sObject);
  }
  return objects;
}

/** The one object of a kind (and, optionally, whose name ends with a suffix). */
export function pick(objects: readonly K8sObject[], kind: string, nameSuffix?: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && (nameSuffix === undefined || o.metadata.name.endsWith(nameSuffix)));
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}${nameSuffix === undefined ? '' : ` *${nameSuffix}`}, found ${found.map((o) => o.metadata.name).join(', ') || 'none'}`);
  }
  return found[0]!;
}
