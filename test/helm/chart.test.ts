/**
 * Renders the chart (helm template, or the Go stand-in) for the default values and for every
 * opt-in enabled, validates every object against the Kubernetes / prometheus-operator schemas,
 * and checks the hardening, probes, ports, labels, checksums, config and opt-in objects.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseFlags } from '../../src/config/flags.js';
import { loadConfig, parseConfigText } from '../../src/config/load.js';
import { ruleText, THRESHOLDS, type Threshold } from '../../src/model/thresholds.js';
import { shardFor } from '../../src/poller/shard.js';
import { render as renderThresholds } from '../../helm/thresholds.js';
import { validateObject } from './k8s-validate.js';
import { chartDir, engine, pick, render, renderNotes, renderRaw, repoRoot, RenderError, type K8sObject } from './render.js';

// Rendered manifests are checked field by field; any keeps the assertions readable.
type Json = Record<string, any>;

const allOptIns = parse(readFileSync(new URL('./values-all-optins.yaml', import.meta.url), 'utf8')) as Json;
const chartYaml = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as Json;
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Json;
const FULLNAME = 'release-name-mongodb-apikey-exporter';
const SECRETS_DIR = '/var/run/secrets/mongodb-apikey-exporter';

const kindNames = (objects: readonly K8sObject[]): string[] => objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
const deploymentOf = (objects: readonly K8sObject[]): Json => pick(objects, 'Deployment') as Json;
const containerOf = (objects: readonly K8sObject[]): Json => deploymentOf(objects).spec.template.spec.containers[0] as Json;
const configOf = (objects: readonly K8sObject[]): Json => parse((pick(objects, 'ConfigMap', 'exporter') as Json).data['config.yaml'] as string) as Json;
const configTextOf = (objects: readonly K8sObject[]): string => (pick(objects, 'ConfigMap', 'exporter') as Json).data['config.yaml'] as string;
const b64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');
/** Every secret of the entries: users' apiKey, projects' privateKey, organizations' privateKey or clientSecret. */
const secretsOf = (config: Json): string[] => [
  ...((config.users ?? []) as Json[]).map((u) => u.apiKey as string),
  ...((config.projects ?? []) as Json[]).map((p) => p.privateKey as string),
  ...((config.organizations ?? []) as Json[]).map((o) => (o.privateKey ?? o.clientSecret) as string),
];
/** Every secret file the generated config.yaml points at, in the same order. */
const secretFilesOf = (config: Json): string[] => [
  ...((config.users ?? []) as Json[]).map((u) => u.apiKeyFile as string),
  ...((config.projects ?? []) as Json[]).map((p) => p.privateKeyFile as string),
  ...((config.organizations ?? []) as Json[]).map((o) => (o.privateKeyFile ?? o.clientSecretFile) as string),
];

let defaults: K8sObject[] = [];
let optIns: K8sObject[] = [];

beforeAll(() => {
  defaults = render();
  optIns = render({ values: [allOptIns] });
}, 300_000);

describe(`Helm chart (rendered with ${engine()})`, () => {
  it('Chart.yaml: apiVersion v2, version, appVersion = package.json version, kubeVersion, metadata', () => {
    expect(chartYaml.apiVersion).toBe('v2');
    expect(chartYaml.name).toBe('mongodb-apikey-exporter');
    expect(chartYaml.version).toBe('0.1.0');
    expect(chartYaml.appVersion).toBe(pkg.version);
    expect(chartYaml.kubeVersion).toBe('>=1.25.0-0');
    expect(chartYaml.home).toMatch(/^https:\/\//);
    expect(chartYaml.sources.length).toBeGreaterThan(0);
    expect(chartYaml.maintainers.length).toBeGreaterThan(0);
    expect(chartYaml.description).toBeTruthy();
    expect(chartYaml.keywords).toContain('prometheus');
  });

  it('renders the expected objects for the default values', () => {
    expect(kindNames(defaults)).toEqual([
      `ConfigMap/${FULLNAME}`,
      `Deployment/${FULLNAME}`,
      `Secret/${FULLNAME}`,
      `Service/${FULLNAME}`,
      `ServiceAccount/${FULLNAME}`,
    ]);
  });

  it('renders the expected objects with every opt-in enabled', () => {
    expect(kindNames(optIns)).toEqual([
      `ConfigMap/${FULLNAME}`,
      `ConfigMap/${FULLNAME}-dashboard`,
      `Deployment/${FULLNAME}`,
      `NetworkPolicy/${FULLNAME}`,
      `PrometheusRule/${FULLNAME}`,
      `Secret/${FULLNAME}`,
      `Secret/${FULLNAME}-web-config`,
      `Service/${FULLNAME}`,
      `ServiceAccount/${FULLNAME}`,
      `ServiceMonitor/${FULLNAME}`,
    ]);
  });

  it('renders only valid Kubernetes / prometheus-operator objects', () => {
    for (const obj of [...defaults, ...optIns]) expect(() => validateObject(obj)).not.toThrow();
  });

  it('validation catches an invalid object (the validator is not a no-op)', () => {
    const broken = structuredClone(deploymentOf(defaults)) as K8sObject & Json;
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    expect(() => validateObject(broken)).toThrow(/containerPort/);
  });

  it('puts the standard labels on every object', () => {
    for (const obj of [...defaults, ...optIns]) {
      const labels = obj.metadata.labels ?? {};
      expect(labels['app.kubernetes.io/name'], obj.kind).toBe('mongodb-apikey-exporter');
      expect(labels['app.kubernetes.io/instance']).toBe('release-name');
      expect(labels['app.kubernetes.io/version']).toBe(pkg.version);
      expect(labels['app.kubernetes.io/managed-by']).toBe('Helm');
      expect(labels['app.kubernetes.io/component']).toBe('exporter');
      expect(labels['helm.sh/chart']).toBe('mongodb-apikey-exporter-0.1.0');
      expect(obj.metadata.namespace).toBe('default');
    }
    for (const obj of optIns) expect(obj.metadata.labels?.team).toBe('platform');
  });

  it('uses the release name alone when it already contains the chart name', () => {
    const objects = render({ releaseName: 'mongodb-apikey-exporter', namespace: 'monitoring' });
    expect(deploymentOf(objects).metadata.name).toBe('mongodb-apikey-exporter');
    expect(deploymentOf(objects).metadata.namespace).toBe('monitoring');
  });

  describe('Deployment', () => {
    it('selects its pods by the stable selector labels, which the Service uses too', () => {
      const d = deploymentOf(defaults);
      const selector = d.spec.selector.matchLabels as Json;
      expect(selector).toEqual({ 'app.kubernetes.io/name': 'mongodb-apikey-exporter', 'app.kubernetes.io/instance': 'release-name' });
      expect(d.spec.template.metadata.labels).toMatchObject(selector);
      expect((pick(defaults, 'Service') as Json).spec.selector).toEqual(selector);
    });

    it('is hardened: non-root numeric user, read-only root fs, no privilege escalation, no capabilities, RuntimeDefault seccomp', () => {
      const pod = deploymentOf(defaults).spec.template.spec as Json;
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(Number.isInteger(pod.securityContext.runAsUser) && pod.securityContext.runAsUser > 0).toBe(true);
      expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
      const sc = containerOf(defaults).securityContext as Json;
      expect(sc.runAsNonRoot).toBe(true);
      expect(sc.runAsUser).toBe(65532);
      expect(sc.readOnlyRootFilesystem).toBe(true);
      expect(sc.allowPrivilegeEscalation).toBe(false);
      expect(sc.capabilities).toEqual({ drop: ['ALL'] });
      expect(sc.seccompProfile).toEqual({ type: 'RuntimeDefault' });
      expect(pod.automountServiceAccountToken).toBe(false);
      expect((pick(defaults, 'ServiceAccount') as Json).automountServiceAccountToken).toBe(false);
      expect(pod.serviceAccountName).toBe(FULLNAME);
    });

    it('has resource requests and a memory limit', () => {
      const resources = containerOf(defaults).resources as Json;
      expect(resources.requests.cpu).toBeTruthy();
      expect(resources.requests.memory).toBeTruthy();
      expect(resources.limits.memory).toBeTruthy();
    });

    it('listens on 9947 named http, with liveness on /healthz and readiness on /readyz', () => {
      const c = containerOf(defaults);
      expect(c.ports).toEqual([{ name: 'http', containerPort: 9947, protocol: 'TCP' }]);
      expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http', scheme: 'HTTP' });
      expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http', scheme: 'HTTP' });
      expect(c.image).toBe(`ghcr.io/mongodb-apikey-exporter/mongodb-apikey-exporter:${pkg.version}`);
    });

    it('passes the config file and log flags, and mounts the config and the key files', () => {
      const c = containerOf(defaults);
      expect(c.args).toContain('--config.file=/etc/mongodb-apikey-exporter/config.yaml');
      expect(c.args).toContain('--log.format=json');
      expect(c.args.some((a: string) => a.startsWith('--web.config.file'))).toBe(false);
      const mounts = Object.fromEntries((c.volumeMounts as Json[]).map((m) => [m.name, m]));
      expect(mounts.config).toMatchObject({ mountPath: '/etc/mongodb-apikey-exporter/config.yaml', subPath: 'config.yaml', readOnly: true });
      expect(mounts['api-keys']).toMatchObject({ mountPath: SECRETS_DIR, readOnly: true });
      const volumes = Object.fromEntries((deploymentOf(defaults).spec.template.spec.volumes as Json[]).map((v) => [v.name, v]));
      expect(volumes.config.configMap.name).toBe(FULLNAME);
      expect(volumes['api-keys'].secret.secretName).toBe(FULLNAME);
    });

    it('rolls the pod when the config or a secret changes (checksum annotations)', () => {
      const annotations = (objects: K8sObject[]): Json => deploymentOf(objects).spec.template.metadata.annotations as Json;
      const base = annotations(optIns);
      expect(base['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
      expect(base['checksum/secret']).toMatch(/^[0-9a-f]{64}$/);
      const interval = annotations(render({ values: [allOptIns, { config: { poll: { interval: '15m' } } }] }));
      expect(interval['checksum/config']).not.toBe(base['checksum/config']);
      expect(interval['checksum/secret']).toBe(base['checksum/secret']);
      const users = structuredClone(allOptIns.config.users) as Json[];
      users[0]!.apiKey = 'rotated-rotated-rotated';
      const rotated = annotations(render({ values: [allOptIns, { config: { users } }] }));
      expect(rotated['checksum/secret']).not.toBe(base['checksum/secret']);
      expect(rotated['checksum/config']).toBe(base['checksum/config']);
    });
  });

  describe('configReload', () => {
    it('inPlace: no checksum to roll the pod, the ConfigMap mounted as a folder the kubelet updates, and with lifecycle the reload endpoint', () => {
      const inPlace = render({ values: [allOptIns, { configReload: { strategy: 'inPlace', lifecycle: true } }] });
      const annotations = deploymentOf(inPlace).spec.template.metadata.annotations as Json;
      expect(Object.keys(annotations).filter((name) => name === 'checksum/config' || name === 'checksum/secret')).toEqual([]);
      const c = containerOf(inPlace);
      const mounts = Object.fromEntries((c.volumeMounts as Json[]).map((m) => [m.name, m]));
      expect(mounts.config).toEqual({ name: 'config', mountPath: '/etc/mongodb-apikey-exporter/config', readOnly: true });
      const flags = parseFlags(c.args as string[]);
      expect(flags.configFile).toBe('/etc/mongodb-apikey-exporter/config/config.yaml');
      expect(flags.enableLifecycle).toBe(true);
      for (const object of inPlace) expect(() => validateObject(object)).not.toThrow();
    });

    it('roll (the default): no lifecycle endpoint unless asked', () => {
      expect(containerOf(defaults).args).not.toContain('--web.enable-lifecycle');
      expect(containerOf(render({ values: [{ configReload: { lifecycle: true } }] })).args).toContain('--web.enable-lifecycle');
    });
  });

  describe('config and secrets', () => {
    it('builds config.yaml from values.config with the secrets replaced by file paths', () => {
      const config = configOf(optIns);
      expect(config.poll).toEqual(allOptIns.config.poll);
      expect(config.users).toEqual([
        { username: 'alice@example.com', userId: '5af9a1d29cc0cdb6ac0bf3f8', apiKeyFile: `${SECRETS_DIR}/alice_example.com.apiKey` },
        { username: 'bob@example.com', baseUrl: 'https://opsmanager.example.com:8443/api/public/v1.0', apiKeyFile: `${SECRETS_DIR}/bob-key` },
      ]);
      expect(config.projects).toEqual([
        { publicKey: 'abcdefgh', ids: ['5e2211c17a3e5a48f5497de3'], privateKeyFile: `${SECRETS_DIR}/abcdefgh.privateKey` },
        { publicKey: 'ijklmnop', discover: true, privateKeyFile: `${SECRETS_DIR}/ijklmnop.privateKey` },
      ]);
    });

    it('writes a config.yaml the exporter itself accepts', () => {
      const text = (pick(optIns, 'ConfigMap', 'exporter') as Json).data['config.yaml'] as string;
      expect(() => parseConfigText(text, {}, 'config.yaml')).not.toThrow();
    });

    it('never puts a secret into the ConfigMap; the Secret holds each key under the file name the config uses', () => {
      const configMapText = JSON.stringify(pick(optIns, 'ConfigMap', 'exporter'));
      const secrets = secretsOf(allOptIns.config);
      expect(secrets).toHaveLength(7);
      for (const secret of secrets) expect(configMapText).not.toContain(secret);
      const data = (pick(optIns, 'Secret', 'exporter') as Json).data as Json;
      const files = secretFilesOf(configOf(optIns));
      expect(Object.keys(data).sort()).toEqual(files.map((f) => f.slice(SECRETS_DIR.length + 1)).sort());
      expect(files.map((f) => b64(data[f.slice(SECRETS_DIR.length + 1)] as string))).toEqual(secrets);
    });

    it('uses an existing Secret instead of creating one', () => {
      const objects = render({ values: [{ config: { users: [{ username: 'alice@example.com' }] }, secret: { existingSecret: 'my-keys' } }] });
      expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
      const volumes = deploymentOf(objects).spec.template.spec.volumes as Json[];
      expect(volumes.find((v) => v.name === 'api-keys')?.secret.secretName).toBe('my-keys');
      expect(configOf(objects).users[0].apiKeyFile).toBe(`${SECRETS_DIR}/alice_example.com.apiKey`);
    });

    it('refuses a user without an API key when no existing Secret is given', () => {
      expect(() => render({ values: [{ config: { users: [{ username: 'alice@example.com' }] } }] })).toThrow(/config\.users\[0\]\.apiKey is required/);
    });

    describe('organizations', () => {
      const DIGEST = { publicKey: 'zmmrboas', privateKey: '44444444-aaaa-bbbb-cccc-dddddddddddd', ids: ['4888442a3354817a7320eb61'] };
      const OAUTH = { clientId: 'mdb_sa_id_0123456789abcdef01234567', clientSecret: 'mdb_sa_sk_0123456789abcdef0123456789abcdef01234567', discover: true };
      const noSecrets = (entry: Json): Json => Object.fromEntries(Object.entries(entry).filter(([key]) => key !== 'privateKey' && key !== 'clientSecret'));

      it('replaces privateKey / clientSecret by privateKeyFile / clientSecretFile and keeps every other field', () => {
        expect(configOf(optIns).organizations).toEqual([
          { publicKey: 'zmmrboas', ids: ['4888442a3354817a7320eb61'], privateKeyFile: `${SECRETS_DIR}/zmmrboas.privateKey` },
          {
            clientId: 'mdb_sa_id_0123456789abcdef01234567',
            discover: true,
            includeProjects: true,
            accessLists: false,
            clientSecretFile: `${SECRETS_DIR}/mdb_sa_id_0123456789abcdef01234567.clientSecret`,
          },
          {
            publicKey: 'opsmgrky',
            baseUrl: 'https://opsmanager.example.com:8443/api/public/v1.0',
            ids: ['5e2211c17a3e5a48f5497de4'],
            serviceAccounts: false,
            globalKeys: true,
            privateKeyFile: `${SECRETS_DIR}/opsmanager-org-key`,
          },
        ]);
      });

      it("writes organizations the exporter's own parser accepts, with file paths and no secret", () => {
        const parsed = parseConfigText(configTextOf(optIns), {}, 'config.yaml');
        expect(parsed.organizations).toHaveLength(3);
        const [digest, oauth, opsManager] = parsed.organizations;
        expect(digest).toMatchObject({ publicKey: 'zmmrboas', privateKeyFile: `${SECRETS_DIR}/zmmrboas.privateKey`, baseUrl: 'https://cloud.mongodb.com/api/atlas/v2' });
        expect(oauth).toMatchObject({ clientId: OAUTH.clientId, clientSecretFile: `${SECRETS_DIR}/${OAUTH.clientId}.clientSecret`, discover: true, includeProjects: true, accessLists: false });
        expect(opsManager).toMatchObject({ publicKey: 'opsmgrky', privateKeyFile: `${SECRETS_DIR}/opsmanager-org-key`, serviceAccounts: false });
        for (const org of parsed.organizations) {
          expect(org.privateKey).toBeUndefined();
          expect(org.clientSecret).toBeUndefined();
        }
      });

      it('lets the exporter load the mounted secrets; the OAuth token endpoint is on the API host, port 443, which the NetworkPolicy allows', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'mae-helm-secrets-'));
        try {
          // The Secret as the kubelet would mount it, at a temporary folder instead of SECRETS_DIR.
          const data = (pick(optIns, 'Secret', 'exporter') as Json).data as Record<string, string>;
          mkdirSync(join(dir, 'keys'));
          for (const [key, value] of Object.entries(data)) writeFileSync(join(dir, 'keys', key), b64(value));
          writeFileSync(join(dir, 'config.yaml'), configTextOf(optIns).replaceAll(SECRETS_DIR, join(dir, 'keys')));
          const config = await loadConfig(join(dir, 'config.yaml'), {});
          // The secrets as the files gave them.
          const auths = config.organizations.map(({ auth }) =>
            auth.scheme === 'digest' ? { ...auth, privateKey: auth.privateKey.value() } : { ...auth, clientSecret: auth.clientSecret.value() },
          );
          expect(auths).toEqual([
            { scheme: 'digest', publicKey: 'zmmrboas', privateKey: DIGEST.privateKey },
            { scheme: 'oauth', clientId: OAUTH.clientId, clientSecret: OAUTH.clientSecret, tokenUrl: 'https://cloud.mongodb.com/api/oauth/token' },
            { scheme: 'digest', publicKey: 'opsmgrky', privateKey: allOptIns.config.organizations[2].privateKey },
          ]);
          const oauth = config.organizations[1]!;
          const tokenUrl = new URL((oauth.auth as { tokenUrl: string }).tokenUrl);
          expect(tokenUrl.host).toBe(new URL(oauth.baseUrl).host);
          expect(tokenUrl.protocol).toBe('https:');
          expect(tokenUrl.port).toBe('');
          const api = ((pick(optIns, 'NetworkPolicy') as Json).spec.egress as Json[])[1]!;
          expect(api.ports).toContainEqual({ port: 443, protocol: 'TCP' });
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });

      it('reads organization secrets from an existing Secret (inline values not needed)', () => {
        const values = { config: { organizations: [noSecrets(DIGEST), { ...noSecrets(OAUTH), secretKey: 'sa-secret' }] }, secret: { existingSecret: 'my-keys' } };
        const objects = render({ values: [values] });
        expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
        const volumes = deploymentOf(objects).spec.template.spec.volumes as Json[];
        expect(volumes.find((v) => v.name === 'api-keys')?.secret.secretName).toBe('my-keys');
        const parsed = parseConfigText(configTextOf(objects), {}, 'config.yaml');
        expect(parsed.organizations.map((o) => o.privateKeyFile ?? o.clientSecretFile)).toEqual([`${SECRETS_DIR}/zmmrboas.privateKey`, `${SECRETS_DIR}/sa-secret`]);
        expect(renderNotes({ values: [values] })).not.toContain('WARNING');
      });

      it('refuses an entry without its secret when no existing Secret is given', () => {
        expect(() => render({ values: [{ config: { organizations: [noSecrets(DIGEST)] } }] })).toThrow(/config\.organizations\[0\]\.privateKey is required unless secret\.existingSecret is set/);
        expect(() => render({ values: [{ config: { organizations: [DIGEST, noSecrets(OAUTH)] } }] })).toThrow(/config\.organizations\[1\]\.clientSecret is required unless secret\.existingSecret is set/);
        expect(() => render({ values: [{ config: { organizations: [{ ids: DIGEST.ids, privateKey: 'x' }] } }] })).toThrow(/config\.organizations\[0\] needs publicKey .* or clientId/);
      });

      it('shares one Secret key with a projects entry of the same programmatic key, and refuses two different secrets under one key', () => {
        const project = { publicKey: 'zmmrboas', privateKey: DIGEST.privateKey, discover: true };
        const shared = render({ values: [{ config: { projects: [project], organizations: [DIGEST] } }] });
        expect(Object.keys((pick(shared, 'Secret', 'exporter') as Json).data as Json)).toEqual(['zmmrboas.privateKey']);
        const config = configOf(shared);
        expect(config.organizations[0].privateKeyFile).toBe(config.projects[0].privateKeyFile);
        expect(() => render({ values: [{ config: { projects: [{ ...project, privateKey: 'another-key' }], organizations: [DIGEST] } }] })).toThrow(
          /config\.organizations\[0\]: the Secret key "zmmrboas\.privateKey" already holds a different secret/,
        );
        const apart = render({ values: [{ config: { projects: [{ ...project, privateKey: 'another-key' }], organizations: [{ ...DIGEST, secretKey: 'org-key' }] } }] });
        expect(Object.keys((pick(apart, 'Secret', 'exporter') as Json).data as Json).sort()).toEqual(['org-key', 'zmmrboas.privateKey']);
      });

      it('rolls the pod when a client secret is rotated', () => {
        const checksum = (objects: K8sObject[]): string => deploymentOf(objects).spec.template.metadata.annotations['checksum/secret'] as string;
        const before = render({ values: [{ config: { organizations: [OAUTH] } }] });
        const after = render({ values: [{ config: { organizations: [{ ...OAUTH, clientSecret: 'mdb_sa_sk_rotated' }] } }] });
        expect(checksum(after)).not.toBe(checksum(before));
        expect(configTextOf(after)).toBe(configTextOf(before));
      });

      it('renders only valid objects with organizations alone', () => {
        for (const obj of render({ values: [{ config: { organizations: [DIGEST, OAUTH] }, networkPolicy: { enabled: true } }] })) expect(() => validateObject(obj)).not.toThrow();
      });
    });

    it('refuses a Kubernetes version below kubeVersion', () => {
      expect(() => renderRaw({ kubeVersion: '1.24.0' })).toThrow(RenderError);
    });
  });

  describe('webConfig', () => {
    const webSecret = (): Json => parse(b64((pick(optIns, 'Secret', '-web-config') as Json).data['web-config.yml'] as string)) as Json;

    it('renders an exporter-toolkit web config with TLS, basic auth and headers', () => {
      expect(webSecret()).toEqual({
        tls_server_config: {
          cert_file: '/etc/mongodb-apikey-exporter/tls/tls.crt',
          key_file: '/etc/mongodb-apikey-exporter/tls/tls.key',
          min_version: 'TLS12',
          client_auth_type: 'NoClientCert',
        },
        basic_auth_users: allOptIns.webConfig.basicAuthUsers,
        http_server_config: { headers: { 'X-Content-Type-Options': 'nosniff' } },
      });
    });

    it('mounts the web config and the TLS secret, passes --web.config.file, and probes over HTTPS', () => {
      const c = containerOf(optIns);
      expect(c.args).toContain('--web.config.file=/etc/mongodb-apikey-exporter/web/web-config.yml');
      const mounts = (c.volumeMounts as Json[]).map((m) => m.mountPath);
      expect(mounts).toEqual(expect.arrayContaining(['/etc/mongodb-apikey-exporter/web', '/etc/mongodb-apikey-exporter/tls']));
      const volumes = deploymentOf(optIns).spec.template.spec.volumes as Json[];
      expect(volumes.find((v) => v.name === 'tls')?.secret.secretName).toBe('mongodb-apikey-exporter-tls');
      expect(deploymentOf(optIns).spec.template.metadata.annotations['checksum/web-config']).toMatch(/^[0-9a-f]{64}$/);
      // basic auth protects /healthz and /readyz too: the kubelet checks the port instead
      expect(c.livenessProbe.tcpSocket).toEqual({ port: 'http' });
      const tlsOnly = render({ values: [{ webConfig: { enabled: true, tls: { enabled: true, existingSecret: 'tls' } } }] });
      expect(containerOf(tlsOnly).readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http', scheme: 'HTTPS' });
    });

    it('requires the TLS secret when TLS is on', () => {
      expect(() => render({ values: [{ webConfig: { enabled: true, tls: { enabled: true } } }] })).toThrow(/webConfig\.tls\.existingSecret is required/);
    });
  });

  describe('ServiceMonitor', () => {
    it('scrapes port http with the configured interval, labels, relabelings, TLS and basic auth', () => {
      const sm = pick(optIns, 'ServiceMonitor') as Json;
      expect(sm.metadata.labels.release).toBe('kube-prometheus-stack');
      expect(sm.spec.selector.matchLabels).toEqual(deploymentOf(optIns).spec.selector.matchLabels);
      const [endpoint] = sm.spec.endpoints as Json[];
      expect(endpoint).toMatchObject({
        port: 'http',
        path: '/metrics',
        interval: '2m',
        scrapeTimeout: '30s',
        scheme: 'https',
        tlsConfig: { serverName: `${FULLNAME}.default.svc`, ca: { secret: { name: 'mongodb-apikey-exporter-tls', key: 'ca.crt' } } },
        basicAuth: {
          username: { name: 'mongodb-apikey-exporter-scrape-auth', key: 'username' },
          password: { name: 'mongodb-apikey-exporter-scrape-auth', key: 'password' },
        },
        relabelings: allOptIns.serviceMonitor.relabelings,
        metricRelabelings: allOptIns.serviceMonitor.metricRelabelings,
      });
    });

    it('scrapes plain HTTP without webConfig', () => {
      const sm = pick(render({ values: [{ serviceMonitor: { enabled: true } }] }), 'ServiceMonitor') as Json;
      expect(sm.spec.endpoints[0].scheme).toBe('http');
      expect(sm.spec.endpoints[0].tlsConfig).toBeUndefined();
      expect(sm.spec.endpoints[0].basicAuth).toBeUndefined();
    });
  });

  describe('PrometheusRule', () => {
    const alertsFile = parse(readFileSync(join(repoRoot, 'prometheus', 'alerts.yaml'), 'utf8')) as Json;
    const ruleOf = (objects: K8sObject[], alert: string): Json =>
      ((pick(objects, 'PrometheusRule') as Json).spec.groups as Json[]).flatMap((g) => g.rules as Json[]).find((r) => r.alert === alert)!;

    /** The groups of prometheus/alerts.yaml with one threshold at another value, as src/model/thresholds.ts writes it. */
    const groupsWith = (threshold: Threshold, value: number | string): Json[] => {
      const groups = structuredClone(alertsFile.groups) as Json[];
      for (const site of threshold.rules) {
        const rule = groups.flatMap((g) => g.rules as Json[]).find((r) => r.alert === site.alert)!;
        const fields = site.field === 'summary' || site.field === 'description' ? rule.annotations : rule;
        fields[site.field] = String(fields[site.field]).replace(ruleText(threshold, site), ruleText(threshold, site, value));
      }
      return groups;
    };
    /** A valid value other than the default. */
    const otherValue = (threshold: Threshold): number | string => (threshold.unit === 'duration' ? '45m' : threshold.default + 1);
    const tunable = Object.values(THRESHOLDS as Record<string, Threshold>).filter((t) => t.chartValue !== undefined);

    it('holds exactly the groups of prometheus/alerts.yaml with the default thresholds', () => {
      const rule = pick(render({ values: [{ prometheusRule: { enabled: true } }] }), 'PrometheusRule') as Json;
      expect(rule.spec.groups).toEqual(alertsFile.groups);
    });

    it('adds the extra labels to every alert and the PrometheusRule', () => {
      const rule = pick(optIns, 'PrometheusRule') as Json;
      expect(rule.metadata.labels.release).toBe('kube-prometheus-stack');
      for (const r of (rule.spec.groups as Json[]).flatMap((g) => g.rules as Json[])) expect(r.labels.team).toBe('platform');
      expect(ruleOf(optIns, 'MongoDBApiKeyIdle').labels.severity).toBe('warning');
    });

    it('applies threshold overrides to the expressions, the text and the for: duration', () => {
      const objects = render({
        values: [{ prometheusRule: { enabled: true, thresholds: { idleDays: 60, neverUsedDays: 14, rotationDays: 180, scopeDownFor: '30m' } } }],
      });
      const idle = ruleOf(objects, 'MongoDBApiKeyIdle');
      expect(idle.expr).toContain('mongodb_apikey_idle_seconds > 60 * 86400');
      expect(idle.expr).not.toContain('90 * 86400');
      expect(idle.annotations.summary).toContain('more than 60 days');
      expect(ruleOf(objects, 'MongoDBApiKeyNeverUsed').expr).toContain('mongodb_apikey_age_seconds > 14 * 86400');
      expect(ruleOf(objects, 'MongoDBApiKeyRotationDue').expr).toContain('mongodb_apikey_age_seconds > 180 * 86400');
      expect(ruleOf(objects, 'MongoDBApiKeyRotationDue').annotations.summary).toContain('older than 180 days');
      const down = ruleOf(objects, 'MongoDBApiKeyScopeDown');
      expect(down.for).toBe('30m');
      expect(down.annotations.description).toContain('failed for 30m');
      // the rest is unchanged
      expect(ruleOf(objects, 'MongoDBApiKeyCreated')).toEqual(ruleOf(render({ values: [{ prometheusRule: { enabled: true } }] }), 'MongoDBApiKeyCreated'));
    });

    it('applies the service-account and organisation-owner threshold overrides, and only to their alerts', () => {
      const thresholds = { secretExpiryWarningDays: 30, secretExpiryCriticalDays: 7, orgOwnerIdleDays: 60 };
      const objects = render({ values: [{ prometheusRule: { enabled: true, thresholds } }] });
      const soon = ruleOf(objects, 'MongoDBApiKeySecretExpiringSoon');
      expect(soon.expr).toContain('mongodb_apikey_expires_in_seconds < 30 * 86400');
      expect(soon.expr).toContain('mongodb_apikey_expires_in_seconds < 7 * 86400');
      expect(soon.expr).not.toMatch(/< (14|3) \* 86400/);
      expect(soon.annotations.summary).toContain('expires within 30 days');
      const verySoon = ruleOf(objects, 'MongoDBApiKeySecretExpiringVerySoon');
      expect(verySoon.expr).toContain('mongodb_apikey_expires_in_seconds < 7 * 86400 > 0');
      expect(verySoon.annotations.summary).toContain('expires within 7 days');
      const owner = ruleOf(objects, 'MongoDBApiKeyOrgOwnerIdle');
      expect(owner.expr).toContain('mongodb_apikey_idle_seconds{kind="programmatic"} > 60 * 86400');
      expect(owner.annotations.summary).toContain('idle for more than 60 days');
      // MongoDBApiKeyIdle keeps its own 90 days; the expired alert has no threshold.
      const defaults = render({ values: [{ prometheusRule: { enabled: true } }] });
      for (const alert of ['MongoDBApiKeyIdle', 'MongoDBApiKeySecretExpired', 'MongoDBApiKeyUnrestricted']) expect(ruleOf(objects, alert)).toEqual(ruleOf(defaults, alert));
      const rules = JSON.stringify(pick(objects, 'PrometheusRule'));
      expect(rules).not.toContain('@@threshold');
    });

    it.each(tunable.map((t) => [t.chartValue, t] as const))('applies prometheusRule.thresholds.%s to exactly the rule fields that write it', (chartValue, threshold) => {
      const value = otherValue(threshold);
      const rule = pick(render({ values: [{ prometheusRule: { enabled: true, thresholds: { [chartValue!]: value } } }] }), 'PrometheusRule') as Json;
      expect(rule.spec.groups).toEqual(groupsWith(threshold, value));
      expect(rule.spec.groups).not.toEqual(alertsFile.groups);
    });

    it("never takes one override's value for another's literal", () => {
      const objects = render({ values: [{ prometheusRule: { enabled: true, thresholds: { neverUsedDays: 365, rotationDays: 400, idleDays: 30 } } }] });
      expect(ruleOf(objects, 'MongoDBApiKeyNeverUsed').expr).toContain('mongodb_apikey_age_seconds > 365 * 86400');
      expect(ruleOf(objects, 'MongoDBApiKeyRotationDue').expr).toContain('mongodb_apikey_age_seconds > 400 * 86400');
      expect(ruleOf(objects, 'MongoDBApiKeyIdle').expr).toContain('mongodb_apikey_idle_seconds > 30 * 86400');
      expect(ruleOf(objects, 'MongoDBApiKeyOrgOwnerIdle').expr).toContain('mongodb_apikey_idle_seconds{kind="programmatic"} > 90 * 86400');
      // The warning tier takes the critical tier's default, in the same expression.
      const expiry = render({ values: [{ prometheusRule: { enabled: true, thresholds: { secretExpiryWarningDays: 3, secretExpiryCriticalDays: 1 } } }] });
      expect(ruleOf(expiry, 'MongoDBApiKeySecretExpiringSoon').expr).toContain('mongodb_apikey_expires_in_seconds < 3 * 86400\n');
      expect(ruleOf(expiry, 'MongoDBApiKeySecretExpiringSoon').expr).toContain('(mongodb_apikey_expires_in_seconds < 1 * 86400)');
      expect(ruleOf(expiry, 'MongoDBApiKeySecretExpiringVerySoon').expr).toContain('(mongodb_apikey_expires_in_seconds < 1 * 86400 > 0)');
    });

    it('refuses a threshold taken out of the values', () => {
      expect(() => render({ values: [{ prometheusRule: { enabled: true, thresholds: { rotationDays: null } } }] })).toThrow(/prometheusRule.thresholds.rotationDays is not set/);
    });

    it('refuses a critical expiry threshold that is not below the warning one', () => {
      expect(() => render({ values: [{ prometheusRule: { enabled: true, thresholds: { secretExpiryWarningDays: 7, secretExpiryCriticalDays: 7 } } }] })).toThrow(
        /secretExpiryCriticalDays \(7\) must be less than secretExpiryWarningDays \(7\)/,
      );
    });

    describe('when the bundled rules change under the chart', () => {
      let chart = '';
      const withAlerts = (edit: (text: string) => string): string => {
        rmSync(chart, { recursive: true, force: true });
        cpSync(chartDir, chart, { recursive: true });
        const file = join(chart, 'files', 'alerts.yaml');
        writeFileSync(file, edit(readFileSync(file, 'utf8')));
        return chart;
      };
      beforeAll(() => {
        chart = join(mkdtempSync(join(tmpdir(), 'mae-helm-chart-')), 'mongodb-apikey-exporter');
      });
      afterAll(() => rmSync(join(chart, '..'), { recursive: true, force: true }));

      it.each([
        ['mongodb_apikey_expires_in_seconds < 14 * 86400', 'mongodb_apikey_expires_in_seconds < 21 * 86400', 'the expr of MongoDBApiKeySecretExpiringSoon'],
        ["expires within 3 days'", "expires within three days'", 'the summary of MongoDBApiKeySecretExpiringVerySoon'],
        ['mongodb_apikey_idle_seconds{kind="programmatic"} > 90 * 86400', 'mongodb_apikey_idle_seconds{kind="programmatic"} > 91 * 86400', 'the expr of MongoDBApiKeyOrgOwnerIdle'],
        ['mongodb_apikey_age_seconds > 365 * 86400', 'mongodb_apikey_age_seconds > 366 * 86400', 'the expr of MongoDBApiKeyRotationDue'],
        ['failed for 15 minutes', 'failed for a quarter of an hour', 'the description of MongoDBApiKeyScopeDown'],
        ['for: 15m\n        labels:\n          severity: warning\n        annotations:\n          summary: \'MongoDB API keys of', 'for: 20m\n        labels:\n          severity: warning\n        annotations:\n          summary: \'MongoDB API keys of', 'the for of MongoDBApiKeyScopeDown'],
      ])('fails the render when %s is gone', (literal, changed, where) => {
        const edited = withAlerts((text) => {
          expect(text).toContain(literal);
          return text.replaceAll(literal, changed);
        });
        expect(() => renderRaw({ chart: edited, values: [{ prometheusRule: { enabled: true } }] })).toThrow(`files/alerts.yaml: ${where} no longer contains`);
      });

      it('fails the render when an alert that holds a threshold is renamed', () => {
        const edited = withAlerts((text) => text.replace('alert: MongoDBApiKeyRotationDue', 'alert: MongoDBApiKeyRotationOverdue'));
        expect(() => renderRaw({ chart: edited, values: [{ prometheusRule: { enabled: true } }] })).toThrow(
          /files\/alerts.yaml has no alert MongoDBApiKeyRotationDue, where prometheusRule.thresholds.rotationDays goes/,
        );
      });

      it('rewrites only the fields that hold a threshold, whatever the rest of the file repeats', () => {
        // Another alert's text and a comment that repeat a threshold's text are left as they are.
        const edited = withAlerts((text) =>
          text
            .replace("is disabled but still exists'", "is disabled but still exists; has been idle for more than 90 days'")
            .replace('groups:\n', '# has been idle for more than 90 days\ngroups:\n'),
        );
        const objects = render({ chart: edited, values: [{ prometheusRule: { enabled: true, thresholds: { orgOwnerIdleDays: 60 } } }] });
        expect(ruleOf(objects, 'MongoDBApiKeyOrgOwnerIdle').annotations.summary).toContain('has been idle for more than 60 days');
        expect(ruleOf(objects, 'MongoDBApiKeyDisabled').annotations.summary).toContain('has been idle for more than 90 days');
      });
    });

    it('leaves out disabled alerts', () => {
      const objects = render({ values: [{ prometheusRule: { enabled: true, disabledAlerts: ['MongoDBApiKeyCreated'] } }] });
      expect(ruleOf(objects, 'MongoDBApiKeyCreated')).toBeUndefined();
      expect(ruleOf(objects, 'MongoDBApiKeyIdle')).toBeDefined();
    });
  });

  describe('Grafana dashboard ConfigMap', () => {
    it('carries the sidecar label and folder annotation and holds the dashboard JSON', () => {
      const cm = pick(optIns, 'ConfigMap', '-dashboard') as Json;
      expect(cm.metadata.labels.grafana_dashboard).toBe('1');
      expect(cm.metadata.annotations.grafana_folder).toBe('Security');
      const dashboard = JSON.parse(cm.data['mongodb-apikey-exporter.json'] as string) as Json;
      expect(dashboard).toEqual(JSON.parse(readFileSync(join(repoRoot, 'grafana', 'mongodb-apikey-exporter.json'), 'utf8')));
    });

    it('takes the label key and value from values', () => {
      const cm = pick(render({ values: [{ grafanaDashboard: { enabled: true, labelKey: 'dashboards', labelValue: 'security' } }] }), 'ConfigMap', '-dashboard') as Json;
      expect(cm.metadata.labels.dashboards).toBe('security');
      expect(cm.metadata.annotations).toBeUndefined();
    });
  });

  describe('NetworkPolicy', () => {
    it('allows ingress only to the metrics port from the configured peers, egress only to DNS and the APIs', () => {
      const np = pick(optIns, 'NetworkPolicy') as Json;
      expect(np.spec.podSelector.matchLabels).toEqual(deploymentOf(optIns).spec.selector.matchLabels);
      expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(np.spec.ingress).toEqual([{ ports: [{ port: 'http', protocol: 'TCP' }], from: allOptIns.networkPolicy.ingressFrom }]);
      const [dns, api] = np.spec.egress as Json[];
      expect(dns!.ports).toEqual([{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }]);
      expect(api).toEqual({ ports: [{ port: 443, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] });
      expect(np.spec.egress).toHaveLength(2);
    });
  });

  it('NOTES.txt renders and warns when no scope is configured', () => {
    expect(renderNotes()).toContain('WARNING: config.users, config.projects and config.organizations are all empty');
    expect(renderNotes({ values: [allOptIns] })).not.toContain('WARNING');
  });
});

/** A Kubernetes label selector (matchLabels and matchExpressions) against a set of labels. */
function selects(selector: Json, labels: Record<string, string>): boolean {
  const byLabels = Object.entries((selector.matchLabels ?? {}) as Record<string, string>).every(([k, v]) => labels[k] === v);
  const byExpressions = ((selector.matchExpressions ?? []) as Json[]).every((e) => {
    const value = labels[e.key as string];
    switch (e.operator) {
      case 'In':
        return value !== undefined && (e.values as string[]).includes(value);
      case 'NotIn':
        return value === undefined || !(e.values as string[]).includes(value);
      case 'Exists':
        return value !== undefined;
      case 'DoesNotExist':
        return value === undefined;
      default:
        throw new Error(`unknown operator ${String(e.operator)}`);
    }
  });
  return byLabels && byExpressions;
}

describe('sharding (sharding.replicas > 1)', () => {
  const HEADLESS = `${FULLNAME}-headless`;
  const SHARDED = { sharding: { replicas: 3 } };
  let sharded: K8sObject[] = [];
  let shardedOptIns: K8sObject[] = [];
  const statefulSetOf = (objects: readonly K8sObject[]): Json => pick(objects, 'StatefulSet') as Json;
  const services = (objects: readonly K8sObject[]): Json[] => objects.filter((o) => o.kind === 'Service') as Json[];
  const serviceOf = (objects: readonly K8sObject[]): Json => services(objects).find((svc) => svc.metadata.name === FULLNAME)!;
  const headlessOf = (objects: readonly K8sObject[]): Json => services(objects).find((svc) => svc.metadata.name === HEADLESS)!;

  beforeAll(() => {
    sharded = render({ values: [SHARDED] });
    shardedOptIns = render({ values: [allOptIns, SHARDED] });
  }, 300_000);

  it('sharding.replicas: 1 (the default) renders exactly what the chart rendered before: the Deployment', () => {
    expect(render({ values: [{ sharding: { replicas: 1 } }] })).toEqual(defaults);
    expect(renderRaw({ values: [allOptIns, { sharding: { replicas: 1 } }] })).toBe(renderRaw({ values: [allOptIns] }));
  });

  it('renders a StatefulSet, a headless Service and a PodDisruptionBudget instead of the Deployment', () => {
    expect(kindNames(sharded)).toEqual([
      `ConfigMap/${FULLNAME}`,
      `PodDisruptionBudget/${FULLNAME}`,
      `Secret/${FULLNAME}`,
      `Service/${FULLNAME}`,
      `Service/${HEADLESS}`,
      `ServiceAccount/${FULLNAME}`,
      `StatefulSet/${FULLNAME}`,
    ]);
    expect(shardedOptIns.filter((o) => o.kind === 'Deployment')).toEqual([]);
    expect(kindNames(shardedOptIns)).toEqual(
      [...kindNames(optIns).filter((n) => !n.startsWith('Deployment/')), `PodDisruptionBudget/${FULLNAME}`, `Service/${HEADLESS}`, `StatefulSet/${FULLNAME}`].sort(),
    );
  });

  it('renders only valid Kubernetes / prometheus-operator objects (kubernetes-models)', () => {
    for (const obj of [...sharded, ...shardedOptIns]) expect(() => validateObject(obj), `${obj.kind}/${obj.metadata.name}`).not.toThrow();
    const broken = structuredClone(statefulSetOf(sharded)) as K8sObject & Json;
    broken.spec.replicas = 'three';
    expect(() => validateObject(broken)).toThrow(/replicas/);
  });

  it('StatefulSet: N replicas, podManagementPolicy Parallel, serviceName the headless Service, the stable selector', () => {
    const sts = statefulSetOf(sharded);
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    expect(sts.spec.serviceName).toBe(HEADLESS);
    expect(sts.spec.updateStrategy).toEqual({ type: 'RollingUpdate' });
    expect(sts.spec.selector.matchLabels).toEqual(deploymentOf(defaults).spec.selector.matchLabels);
    expect(sts.spec.template.metadata.labels).toMatchObject(sts.spec.selector.matchLabels);
    expect(sts.spec.volumeClaimTemplates).toBeUndefined();
    expect(statefulSetOf(render({ values: [{ sharding: { replicas: 1000 } }] })).spec.replicas).toBe(1000);
  });

  it('runs the same pod as the Deployment (hardening, probes, mounts, checksums), plus the shard flags', () => {
    for (const [withSharding, without] of [
      [sharded, defaults],
      [shardedOptIns, optIns],
    ] as const) {
      const expected = structuredClone(deploymentOf(without).spec.template) as Json;
      const container = expected.spec.containers[0] as Json;
      const logFormat = (container.args as string[]).findIndex((a) => a.startsWith('--log.format='));
      (container.args as string[]).splice(logFormat + 1, 0, '--shard.count=3', '--shard.index-from-hostname');
      expect(statefulSetOf(withSharding).spec.template).toEqual(expected);
    }
    const pod = statefulSetOf(shardedOptIns).spec.template as Json;
    expect(pod.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
    expect(pod.metadata.annotations['checksum/secret']).toMatch(/^[0-9a-f]{64}$/);
    expect(pod.spec.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
    expect(pod.spec.automountServiceAccountToken).toBe(false);
  });

  it('passes --shard.count=N --shard.index-from-hostname, which the exporter accepts and maps pod <name>-I to shard I', () => {
    const sts = statefulSetOf(sharded);
    const args = sts.spec.template.spec.containers[0].args as string[];
    expect(args.filter((a) => a.startsWith('--shard.'))).toEqual(['--shard.count=3', '--shard.index-from-hostname']);
    expect(containerOf(defaults).args.some((a: string) => a.startsWith('--shard.'))).toBe(false);
    const flags = parseFlags(args);
    expect(flags).toMatchObject({ shardCount: 3, shardIndexFromHostname: true });
    // A StatefulSet pod's hostname is its name, <statefulset>-<ordinal>.
    for (const ordinal of [0, 1, 2]) expect(shardFor(flags, `${sts.metadata.name as string}-${ordinal}`)).toMatchObject({ index: ordinal, count: 3 });
    expect(() => shardFor(flags, `${sts.metadata.name as string}-3`)).toThrow(/ordinal/);
  });

  it('adds a headless Service (clusterIP None, port 9947 http) next to the normal Service, both selecting the pods', () => {
    const headless = headlessOf(sharded);
    expect(headless.spec.clusterIP).toBe('None');
    expect(headless.spec.ports).toEqual([{ name: 'http', port: 9947, targetPort: 'http', protocol: 'TCP' }]);
    const podLabels = statefulSetOf(sharded).spec.template.metadata.labels as Record<string, string>;
    const service = serviceOf(sharded);
    expect(service).toEqual(pick(defaults, 'Service'));
    for (const svc of [service, headless]) expect(selects({ matchLabels: svc.spec.selector }, podLabels), svc.metadata.name).toBe(true);
    expect(statefulSetOf(sharded).spec.template.spec.containers[0].ports).toEqual([{ name: 'http', containerPort: 9947, protocol: 'TCP' }]);
  });

  it('ServiceMonitor: its selector matches the Service, which selects every StatefulSet pod, and not the headless Service', () => {
    const sm = pick(shardedOptIns, 'ServiceMonitor') as Json;
    const service = serviceOf(shardedOptIns);
    const headless = headlessOf(shardedOptIns);
    const sts = statefulSetOf(shardedOptIns);
    // Prometheus scrapes the endpoints of each Service the ServiceMonitor selects: the Service's
    // endpoints are every pod it selects, so each shard is a target of its own ...
    expect(selects(sm.spec.selector, service.metadata.labels), 'ServiceMonitor selects the Service').toBe(true);
    expect(sm.spec.namespaceSelector.matchNames).toContain(service.metadata.namespace);
    expect(selects({ matchLabels: service.spec.selector }, sts.spec.template.metadata.labels), 'the Service selects the StatefulSet pods').toBe(true);
    expect(service.spec.ports.map((p: Json) => p.name)).toContain(sm.spec.endpoints[0].port);
    expect(service.spec.clusterIP).toBeUndefined();
    // ... and once only: the headless Service lists the same pods.
    expect(selects(sm.spec.selector, headless.metadata.labels), 'ServiceMonitor leaves out the headless Service').toBe(false);
    const matched = shardedOptIns.filter((o) => o.kind === 'Service' && selects(sm.spec.selector, o.metadata.labels ?? {}));
    expect(matched.map((o) => o.metadata.name)).toEqual([FULLNAME]);
    // Without sharding, the ServiceMonitor is what it was.
    expect((pick(optIns, 'ServiceMonitor') as Json).spec.selector.matchExpressions).toBeUndefined();
    expect({ ...sm.spec, selector: undefined }).toEqual({ ...(pick(optIns, 'ServiceMonitor') as Json).spec, selector: undefined });
  });

  it('NetworkPolicy selects the StatefulSet pods', () => {
    const np = pick(shardedOptIns, 'NetworkPolicy') as Json;
    expect(selects(np.spec.podSelector, statefulSetOf(shardedOptIns).spec.template.metadata.labels)).toBe(true);
  });

  it('PodDisruptionBudget: at most maxUnavailable shards down at a time, optional', () => {
    const pdb = pick(sharded, 'PodDisruptionBudget') as Json;
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.spec.minAvailable).toBeUndefined();
    expect(selects(pdb.spec.selector, statefulSetOf(sharded).spec.template.metadata.labels)).toBe(true);
    const two = render({ values: [{ sharding: { replicas: 5, podDisruptionBudget: { maxUnavailable: 2 } } }] });
    expect((pick(two, 'PodDisruptionBudget') as Json).spec.maxUnavailable).toBe(2);
    const none = render({ values: [{ sharding: { replicas: 3, podDisruptionBudget: { enabled: false } } }] });
    expect(none.filter((o) => o.kind === 'PodDisruptionBudget')).toEqual([]);
  });

  it('rolls every shard when the config changes (checksum annotations)', () => {
    const checksum = (objects: K8sObject[]): string => statefulSetOf(objects).spec.template.metadata.annotations['checksum/config'] as string;
    expect(checksum(render({ values: [SHARDED, { config: { poll: { interval: '15m' } } }] }))).not.toBe(checksum(sharded));
  });

  it('NOTES.txt names the shards and how to check their coverage', () => {
    const notes = renderNotes({ values: [allOptIns, SHARDED] });
    expect(notes).toContain('runs as 3 shards');
    expect(notes).toContain(`${FULLNAME}-0 … ${FULLNAME}-2`);
    expect(notes).toContain('MongoDBApiKeyShardCoverageIncomplete');
    expect(notes).toContain(`port-forward pod/${FULLNAME}-0 9947:9947`);
    expect(renderNotes({ values: [allOptIns] })).not.toMatch(/shard/i);
  });

  it('refuses a StatefulSet name longer than 52 characters (the pod ordinal must survive)', () => {
    const long = 'x'.repeat(53);
    expect(() => render({ values: [SHARDED, { fullnameOverride: long }] })).toThrow(/may not exceed 52 characters/);
    expect(statefulSetOf(render({ values: [SHARDED, { fullnameOverride: 'x'.repeat(52) }] })).metadata.name).toHaveLength(52);
    expect(() => render({ values: [{ fullnameOverride: long }] })).not.toThrow();
  });

  it('refuses replicaCount > 1 and --shard.* in extraArgs together with sharding', () => {
    expect(() => render({ values: [SHARDED, { replicaCount: 2 }] })).toThrow(/leave replicaCount at 1/);
    expect(() => render({ values: [SHARDED, { extraArgs: ['--shard.index=1'] }] })).toThrow(/extraArgs must not set --shard\.index=1/);
    expect(() => render({ values: [SHARDED, { extraArgs: ['--log.level=debug'] }] })).not.toThrow();
  });
});

describe('chart files/ copies', () => {
  it.each([
    ['grafana/mongodb-apikey-exporter.json', 'files/mongodb-apikey-exporter.json'],
    ['prometheus/alerts.yaml', 'files/alerts.yaml'],
  ])('%s is byte-identical to the chart copy %s (node helm/sync-files.mjs)', (source, copy) => {
    expect(readFileSync(join(chartDir, copy)).equals(readFileSync(join(repoRoot, source)))).toBe(true);
  });

  it('files/thresholds.yaml is generated from src/model/thresholds.ts (npm run chart)', () => {
    expect(readFileSync(join(chartDir, 'files', 'thresholds.yaml'), 'utf8')).toBe(renderThresholds());
  });
});
