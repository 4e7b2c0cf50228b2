// deploy/kubernetes as CI sees it: `kubectl kustomize` renders each overlay, the Kubernetes API test
// server (libs/testing, a kube-apiserver 1.32 look-alike) accepts every object in a server-side dry
// run, and every container keeps the hardening the README promises.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { KubeServer, startKubeServer, workloadHardeningViolations } from '@cube/testing';

const KUBECTL = process.env['KUBECTL'] ?? 'kubectl';
const ROOT = join(__dirname, '..', 'kubernetes');

interface Rendered {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown> & { template?: { metadata?: { labels?: Record<string, string> }; spec?: unknown } };
  data?: Record<string, string>;
}

function run(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(KUBECTL, args, { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

async function render(overlay: string): Promise<{ yaml: string; objects: Rendered[] }> {
  const { code, stdout, stderr } = await run(['kustomize', join(ROOT, 'overlays', overlay)]);
  if (code !== 0) throw new Error(`kubectl kustomize ${overlay} failed: ${stderr}`);
  const objects = parseAllDocuments(stdout).map((doc) => doc.toJS() as Rendered);
  return { yaml: stdout, objects };
}

const workloads = (objects: Rendered[]) => objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
const APPS = ['gateway', 'identity', 'tenancy', 'clusters', 'audit', 'hotplug', 'console'];

describe('deploy/kubernetes', () => {
  let server: KubeServer;
  let dir: string;
  const kubectl = (args: string[], input?: string) =>
    run(['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...args], input);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cube-deploy-spec-'));
    server = await startKubeServer({ name: 'deploy-spec', kubeconfigPath: join(dir, 'kubeconfig') });
    // A server-side dry run of a namespaced object needs its namespace to exist, as on a real cluster.
    const created = await kubectl(['create', 'namespace', 'cube', '--save-config']);
    if (created.code !== 0) throw new Error(created.stderr);
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe.each(['all-in-one', 'ha'])('overlay %s', (overlay) => {
    let rendered: { yaml: string; objects: Rendered[] };
    beforeAll(async () => {
      rendered = await render(overlay);
    });

    it('is accepted object by object by kubectl apply --dry-run=server, and nothing is stored', async () => {
      const applied = await kubectl(['apply', '--dry-run=server', '-f', '-'], rendered.yaml);
      expect(applied.stderr).toBe('');
      expect(applied.code).toBe(0);
      const lines = applied.stdout.trim().split('\n');
      expect(lines).toHaveLength(rendered.objects.length);
      for (const line of lines) expect(line).toMatch(/ (created|configured|unchanged) \(server dry run\)$/);
      // A dry run stores nothing: the namespace still has no Deployment.
      const listed = await kubectl(['get', 'deployments,statefulsets', '-n', 'cube', '-o', 'name']);
      expect(listed.stdout.trim()).toBe('');
    });

    it('hardens every container of every Deployment and StatefulSet', () => {
      expect(workloads(rendered.objects).length).toBe(APPS.length + 1);
      expect(workloads(rendered.objects).flatMap(workloadHardeningViolations)).toEqual([]);
    });

    it('runs one Deployment per app from the one image, its command as docker-compose.yml gives it', () => {
      for (const app of APPS) {
        const deployment = rendered.objects.find((o) => o.kind === 'Deployment' && o.metadata.name === `cube-${app}`);
        const container = (deployment?.spec?.template?.spec as { containers: { image: string; args: string[] }[] }).containers[0];
        expect(container.image).toMatch(/^cube:/);
        expect(container.args).toEqual([`dist/apps/${app}/main.js`]);
      }
    });

    it('lets only the gateway be reached from outside: a default deny and one open ingress, on the gateway', () => {
      const policies = rendered.objects.filter((o) => o.kind === 'NetworkPolicy');
      const deny = policies.find((p) => p.metadata.name === 'default-deny');
      expect(deny?.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
      const ingress = policies.filter((p) => (p.spec?.['policyTypes'] as string[]).includes('Ingress') && p.spec?.['ingress']);
      const open = ingress.filter((p) => (p.spec?.['ingress'] as { from?: unknown }[]).some((rule) => rule.from === undefined));
      expect(open.map((p) => p.spec?.['podSelector'])).toEqual([{ matchLabels: { 'app.kubernetes.io/name': 'cube-gateway' } }]);
    });

    it('keeps secrets out of the ConfigMap and reads them from Secret references', () => {
      const settings = rendered.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('cube-settings'));
      expect(Object.keys(settings?.data ?? {})).not.toEqual(expect.arrayContaining(['CUBE_SECRET_KEY']));
      expect(Object.keys(settings?.data ?? {})).not.toContain('DATABASE_URL');
      expect(rendered.objects.some((o) => o.kind === 'Secret')).toBe(false);
      const env = (name: string) =>
        (
          rendered.objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name)?.spec?.template?.spec as {
            containers: { env: { name: string; valueFrom?: { secretKeyRef?: { name: string } } }[] }[];
          }
        ).containers[0].env;
      expect(env('cube-identity').find((e) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef?.name).toBe('cube-secrets');
      expect(env('cube-gateway').find((e) => e.name === 'CUBE_SECRET_KEY')?.valueFrom?.secretKeyRef?.name).toBe('cube-secrets');
      expect(env('cube-gateway').find((e) => e.name === 'DATABASE_URL')).toBeUndefined();
      // Every app and NATS itself read the NATS user and password from the same Secret.
      for (const name of ['cube-gateway', 'cube-identity', 'cube-audit']) {
        for (const key of ['NATS_USER', 'NATS_PASSWORD']) {
          expect([name, env(name).find((e) => e.name === key)?.valueFrom?.secretKeyRef]).toEqual([name, { name: 'cube-secrets', key }]);
        }
      }
      expect(Object.keys(settings?.data ?? {})).not.toContain('NATS_PASSWORD');
      const nats = rendered.objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'cube-nats')?.spec?.template?.spec as {
        containers: { env: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[] }[];
      };
      expect(nats.containers[0].env.find((e) => e.name === 'NATS_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({
        name: 'cube-secrets',
        key: 'NATS_PASSWORD',
      });
      const natsConfig = rendered.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('cube-nats-config'));
      expect(String(natsConfig?.data?.['nats.conf'])).toMatch(/authorization \{\s*user: \$NATS_USER\s*password: \$NATS_PASSWORD\s*\}/);
    });
  });

  it('ha: two or more replicas, anti-affinity, spread and a PodDisruptionBudget per app; NATS as three R3 nodes', async () => {
    const { objects } = await render('ha');
    const settings = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('cube-settings'));
    expect(settings?.data?.['CUBE_JETSTREAM_REPLICAS']).toBe('3');
    const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler');
    expect(hpa?.spec?.['minReplicas']).toBeGreaterThanOrEqual(2);
    for (const workload of workloads(objects)) {
      const name = workload.metadata.name;
      const selector = { matchLabels: { 'app.kubernetes.io/name': name } };
      expect([name, workload.spec?.['replicas']]).toEqual([name, name === 'cube-nats' ? 3 : 2]);
      const pod = workload.spec?.template?.spec as {
        affinity: { podAntiAffinity: Record<string, unknown[]> };
        topologySpreadConstraints: { labelSelector: unknown }[];
      };
      expect(JSON.stringify(pod.affinity.podAntiAffinity)).toContain(JSON.stringify(selector.matchLabels));
      expect(pod.topologySpreadConstraints.map((c) => c.labelSelector)).toEqual([selector, selector]);
      const pdb = objects.find((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === name);
      expect(pdb?.spec?.['selector']).toEqual(selector);
    }
  });

  it('cloudnative-pg: a Cluster of the fields its CRD (postgresql.cnpg.io/v1) defines, and the services read its app Secret', async () => {
    const { objects } = await render('cloudnative-pg');
    const cluster = objects.find((o) => o.kind === 'Cluster');
    expect(cluster?.apiVersion).toBe('postgresql.cnpg.io/v1');
    // The CloudNativePG CRDs are not on the test server (nor in the other overlays): the rendered Cluster is
    // checked against the schema of the fields it uses instead.
    expect(clusterSchemaViolations(cluster?.spec ?? {})).toEqual([]);
    for (const app of APPS.filter((a) => a !== 'gateway')) {
      const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === `cube-${app}`);
      const env = (deployment?.spec?.template?.spec as { containers: { env: { name: string; valueFrom?: unknown }[] }[] }).containers[0]
        .env;
      expect(env.find((e) => e.name === 'DATABASE_URL')?.valueFrom).toEqual({ secretKeyRef: { name: 'cube-postgres-app', key: 'uri' } });
    }
  });
});

/** The part of the CloudNativePG `Cluster` v1 OpenAPI schema (CRD postgresql.cnpg.io, v1.25) the overlay uses. */
function clusterSchemaViolations(spec: Record<string, unknown>): string[] {
  const schema = JSON.parse(readFileSync(join(__dirname, 'cnpg-cluster-schema.json'), 'utf8')) as JsonSchema;
  return validate(schema, spec, 'spec');
}

interface JsonSchema {
  type?: string;
  required?: string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  enum?: unknown[];
  minimum?: number;
  items?: JsonSchema;
  pattern?: string;
}

function validate(schema: JsonSchema, value: unknown, path: string): string[] {
  const out: string[] = [];
  const type = Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
  if (schema.type && schema.type !== type && !(schema.type === 'number' && type === 'integer'))
    return [`${path}: ${type}, not ${schema.type}`];
  if (schema.enum && !schema.enum.includes(value)) out.push(`${path}: ${JSON.stringify(value)} not one of ${JSON.stringify(schema.enum)}`);
  if (schema.minimum !== undefined && typeof value === 'number' && value < schema.minimum) out.push(`${path}: below ${schema.minimum}`);
  if (schema.pattern && typeof value === 'string' && !new RegExp(schema.pattern).test(value))
    out.push(`${path}: does not match ${schema.pattern}`);
  if (type === 'object') {
    const object = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in object)) out.push(`${path}.${key}: required`);
    for (const [key, child] of Object.entries(object)) {
      const sub = schema.properties?.[key] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      if (sub) out.push(...validate(sub, child, `${path}.${key}`));
      else if (schema.additionalProperties !== true) out.push(`${path}.${key}: unknown field`);
    }
  }
  if (type === 'array' && schema.items)
    (value as unknown[]).forEach((item, i) => out.push(...validate(schema.items as JsonSchema, item, `${path}[${i}]`)));
  return out;
}
