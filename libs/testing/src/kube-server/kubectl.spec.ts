// Drives the machine's real kubectl against the test server and asserts on what it prints.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeServer, startKubeServer } from './server';

const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';

describe('kubectl against the test server', () => {
  let server: KubeServer;
  let dir: string;

  function kubectl(...args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(
        KUBECTL,
        ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...args],
        { timeout: 30_000 },
        (err, stdout, stderr) => {
          if (err) reject(new Error(`kubectl ${args.join(' ')} failed: ${stderr || err.message}`));
          else resolve(stdout);
        },
      );
    });
  }

  function kubectlFails(...args: string[]): Promise<string> {
    return kubectl(...args).then(
      (out) => {
        throw new Error(`expected failure, got: ${out}`);
      },
      (e: Error) => e.message,
    );
  }

  function file(name: string, content: string): string {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubectl-spec-'));
    server = await startKubeServer({
      name: 'kubectl-spec',
      kubeconfigPath: join(dir, 'kubeconfig'),
    });
  });

  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports versions and discovery', async () => {
    const version = JSON.parse(await kubectl('version', '-o', 'json')) as {
      serverVersion: { gitVersion: string };
    };
    expect(version.serverVersion.gitVersion).toBe('v1.32.13');
    const versions = (await kubectl('api-versions')).split('\n');
    expect(versions).toEqual(
      expect.arrayContaining(['v1', 'apps/v1', 'batch/v1', 'rbac.authorization.k8s.io/v1', 'apiextensions.k8s.io/v1']),
    );
    const resources = await kubectl('api-resources');
    expect(resources).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    expect(resources).toMatch(/^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
    expect(await kubectl('api-resources', '--namespaced=false', '-o', 'name')).toContain('clusterroles.rbac.authorization.k8s.io');
    expect(await kubectl('cluster-info')).toContain(`Kubernetes control plane is running at ${server.url}`);
  });

  it('shows the bootstrap namespaces and node', async () => {
    expect(await kubectl('get', 'namespaces')).toMatch(/^kube-system\s+Active\s+\d+s$/m);
    expect(await kubectl('get', 'nodes')).toMatch(/^kubectl-spec-control-plane\s+Ready\s+control-plane\s+\d+s\s+v1\.32\.13$/m);
    expect(await kubectl('get', '--raw', '/readyz')).toBe('ok');
  });

  it('creates objects with the generator commands, whose bodies kubectl encodes as protobuf', async () => {
    expect(await kubectl('create', 'namespace', 'gen')).toBe('namespace/gen created\n');
    expect(await kubectl('create', 'configmap', 'c1', '-n', 'gen', '--from-literal=a=b')).toBe('configmap/c1 created\n');
    expect(await kubectl('create', 'secret', 'generic', 's1', '-n', 'gen', '--from-literal=p=q')).toBe('secret/s1 created\n');
    expect(await kubectl('get', 'secret', 's1', '-n', 'gen', '-o', 'jsonpath={.type} {.data.p}')).toBe('Opaque cQ==');
    expect(await kubectl('create', 'deployment', 'api', '-n', 'gen', '--image=nginx:1.27', '--replicas=2', '--port=8080')).toBe(
      'deployment.apps/api created\n',
    );
    expect(await kubectl('rollout', 'status', 'deployment/api', '-n', 'gen', '--timeout=20s')).toContain('successfully rolled out');
    expect(await kubectl('expose', 'deployment', 'api', '-n', 'gen', '--port=80', '--target-port=8080')).toBe('service/api exposed\n');
    expect(await kubectl('get', 'svc', 'api', '-n', 'gen')).toMatch(/^api\s+ClusterIP\s+10\.96\.\d+\.\d+\s+<none>\s+80\/TCP\s+\d+s$/m);
    expect(await kubectl('create', 'serviceaccount', 'bot', '-n', 'gen')).toBe('serviceaccount/bot created\n');
    expect(await kubectl('create', 'role', 'reader', '-n', 'gen', '--verb=get,list', '--resource=pods')).toBe(
      'role.rbac.authorization.k8s.io/reader created\n',
    );
    expect(await kubectl('create', 'rolebinding', 'bot-reads', '-n', 'gen', '--role=reader', '--serviceaccount=gen:bot')).toBe(
      'rolebinding.rbac.authorization.k8s.io/bot-reads created\n',
    );
    expect(await kubectl('get', 'rolebinding', 'bot-reads', '-n', 'gen', '-o', 'wide')).toMatch(
      /^bot-reads\s+Role\/reader\s+\d+s\s+gen\/bot$/m,
    );
    expect(await kubectl('create', 'quota', 'q', '-n', 'gen', '--hard=pods=5')).toBe('resourcequota/q created\n');
    expect(await kubectl('run', 'one', '-n', 'gen', '--image=busybox', '--', 'sleep', '100')).toBe('pod/one created\n');
    expect(await kubectl('auth', 'can-i', 'create', 'pods')).toBe('yes\n');
  });

  it('creates, applies twice and rolls out a deployment', async () => {
    const ns = file('ns.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n');
    expect(await kubectl('create', '-f', ns)).toBe('namespace/shop created\n');
    expect(await kubectlFails('create', '-f', ns)).toContain('Error from server (AlreadyExists): error when creating');
    const deploy = file(
      'deploy.yaml',
      `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports: [{containerPort: 80}]
        env: [{name: MODE, value: prod}]
`,
    );
    expect(await kubectl('apply', '-f', deploy)).toBe('deployment.apps/web created\n');
    expect(await kubectl('apply', '-f', deploy)).toBe('deployment.apps/web unchanged\n');
    expect(await kubectl('rollout', 'status', 'deployment/web', '-n', 'shop', '--timeout=20s')).toContain(
      'deployment "web" successfully rolled out',
    );
    expect(await kubectl('wait', '--for=condition=Available', 'deployment/web', '-n', 'shop', '--timeout=20s')).toBe(
      'deployment.apps/web condition met\n',
    );
  });

  it('prints tables, wide tables, names, json and yaml', async () => {
    expect(await kubectl('get', 'deploy', '-n', 'shop')).toMatch(
      /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+2\/2\s+2\s+2\s+\d+s\n$/,
    );
    const pods = await kubectl('get', 'pods', '-n', 'shop', '-o', 'wide');
    expect(pods).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/m);
    expect(pods).toMatch(
      /^web-[a-z0-9]+-[a-z0-9]{5}\s+1\/1\s+Running\s+0\s+\d+s\s+10\.244\.0\.\d+\s+kubectl-spec-control-plane\s+<none>\s+<none>$/m,
    );
    const names = (await kubectl('get', 'pods', '-n', 'shop', '-l', 'app=web', '-o', 'name')).trim().split('\n');
    expect(names).toHaveLength(2);
    expect(names[0]).toMatch(/^pod\/web-/);
    const json = JSON.parse(await kubectl('get', 'deployment', 'web', '-n', 'shop', '-o', 'json')) as {
      metadata: { generation: number };
      status: { readyReplicas: number };
    };
    expect(json).toMatchObject({
      metadata: { generation: 1 },
      status: { readyReplicas: 2 },
    });
    expect(await kubectl('get', 'deployment', 'web', '-n', 'shop', '-o', 'yaml')).toMatch(/^kind: Deployment$/m);
    expect(await kubectl('get', 'rs', '-n', 'shop', '-o', 'wide')).toMatch(
      /^web-[a-z0-9]+\s+2\s+2\s+2\s+\d+s\s+nginx\s+nginx:1\.27\s+app=web,pod-template-hash=/m,
    );
    expect(await kubectl('get', 'pods', '-n', 'shop', '-o', 'jsonpath={.items[*].status.phase}')).toBe('Running Running');
    expect(await kubectl('get', 'all', '-n', 'shop')).toContain('deployment.apps/web');
  });

  it('describes a deployment', async () => {
    const out = await kubectl('describe', 'deployment', 'web', '-n', 'shop');
    expect(out).toMatch(/^Replicas:\s+2 desired \| 2 updated \| 2 total \| 2 available \| 0 unavailable$/m);
    expect(out).toMatch(/^\s+Available\s+True\s+MinimumReplicasAvailable$/m);
    expect(out).toMatch(/^NewReplicaSet:\s+web-[a-z0-9]+ \(2\/2 replicas created\)$/m);
    expect(out).toMatch(
      /^\s+Normal\s+ScalingReplicaSet\s+\d+s\s+deployment-controller\s+Scaled up replica set web-[a-z0-9]+ from 0 to 2$/m,
    );
    expect(await kubectl('get', 'events', '-n', 'shop', '--field-selector', 'reason=Started')).toMatch(
      /^\d+s\s+Normal\s+Started\s+pod\/web-[a-z0-9-]+\s+Started container nginx$/m,
    );
  });

  it('labels, annotates, patches and selects', async () => {
    expect(await kubectl('label', 'deployment', 'web', '-n', 'shop', 'tier=frontend')).toBe('deployment.apps/web labeled\n');
    expect(await kubectl('annotate', 'deployment', 'web', '-n', 'shop', 'owner=team-a')).toBe('deployment.apps/web annotated\n');
    expect(await kubectl('get', 'deploy', '-n', 'shop', '-l', 'tier in (frontend,backend),app', '-o', 'name')).toBe(
      'deployment.apps/web\n',
    );
    expect(await kubectl('get', 'deploy', '-n', 'shop', '-l', '!tier', '-o', 'name')).toBe('');
    expect(
      await kubectl(
        'patch',
        'deployment',
        'web',
        '-n',
        'shop',
        '-p',
        '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","env":[{"name":"LEVEL","value":"debug"}]}]}}}}',
      ),
    ).toBe('deployment.apps/web patched\n');
    const env = await kubectl('get', 'deployment', 'web', '-n', 'shop', '-o', 'jsonpath={.spec.template.spec.containers[0].env[*].name}');
    expect(env).toBe('LEVEL MODE');
    expect(
      await kubectl('patch', 'deployment', 'web', '-n', 'shop', '--type=merge', '-p', '{"metadata":{"annotations":{"owner":null}}}'),
    ).toBe('deployment.apps/web patched\n');
    expect(
      await kubectl(
        'patch',
        'deployment',
        'web',
        '-n',
        'shop',
        '--type=json',
        '-p',
        '[{"op":"replace","path":"/spec/revisionHistoryLimit","value":5}]',
      ),
    ).toBe('deployment.apps/web patched\n');
    expect(
      await kubectl('get', 'deployment', 'web', '-n', 'shop', '-o', 'jsonpath={.spec.revisionHistoryLimit} {.metadata.annotations.owner}'),
    ).toBe('5 ');
    expect(await kubectl('rollout', 'status', 'deployment/web', '-n', 'shop', '--timeout=20s')).toContain('successfully rolled out');
  });

  it('scales and rolls out a new image', async () => {
    expect(await kubectl('scale', 'deployment', 'web', '-n', 'shop', '--replicas=3')).toBe('deployment.apps/web scaled\n');
    expect(await kubectl('rollout', 'status', 'deployment/web', '-n', 'shop', '--timeout=20s')).toContain('successfully rolled out');
    expect(await kubectl('set', 'image', 'deployment/web', '-n', 'shop', 'nginx=nginx:1.28')).toBe('deployment.apps/web image updated\n');
    expect(await kubectl('rollout', 'status', 'deployment/web', '-n', 'shop', '--timeout=20s')).toContain('successfully rolled out');
    expect(await kubectl('get', 'pods', '-n', 'shop', '-l', 'app=web', '-o', 'jsonpath={.items[*].spec.containers[0].image}')).toBe(
      'nginx:1.28 nginx:1.28 nginx:1.28',
    );
    expect(await kubectl('rollout', 'history', 'deployment/web', '-n', 'shop')).toMatch(
      /^REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/m,
    );
  });

  it('server-side applies and replaces configmaps', async () => {
    const cm = file('cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  color: blue\n');
    expect(await kubectl('apply', '--server-side', '-f', cm)).toBe('configmap/settings serverside-applied\n');
    const conflict = await kubectlFails(
      'apply',
      '--server-side',
      '--field-manager=other',
      '-f',
      file('cm2.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  color: red\n'),
    );
    expect(conflict).toContain('conflict with "kubectl": .data.color');
    expect(
      await kubectl(
        'replace',
        '-f',
        file('cm3.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  color: green\n'),
      ),
    ).toBe('configmap/settings replaced\n');
    expect(await kubectl('get', 'cm', 'settings', '-n', 'shop', '-o', 'jsonpath={.data.color}')).toBe('green');
    expect(await kubectl('get', 'cm', '-n', 'shop')).toMatch(/^settings\s+1\s+\d+s$/m);
    expect(await kubectlFails('get', 'cm', 'nope', '-n', 'shop')).toContain('Error from server (NotFound): configmaps "nope" not found');
  });

  it('watches with a timeout', async () => {
    const out: string[] = [];
    const watcher = spawn(KUBECTL, [
      '--kubeconfig',
      join(dir, 'kubeconfig'),
      '--cache-dir',
      join(dir, 'cache'),
      'get',
      'cm',
      '-n',
      'shop',
      '--watch',
      '--request-timeout=3s',
    ]);
    const started = new Promise<void>((resolve) => watcher.stdout.on('data', (d: Buffer) => (out.push(d.toString()), resolve())));
    const exited = new Promise<void>((resolve) => watcher.on('exit', () => resolve()));
    await started;
    await kubectl('apply', '-f', file('cm4.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched\n  namespace: shop\n'));
    await exited;
    const text = out.join('');
    expect(text).toMatch(/^settings\s+1\s+\d+s$/m);
    expect(text).toMatch(/^watched\s+0\s+\d+s$/m);
  });

  it('serves a CRD once created', async () => {
    const crd = file(
      'crd.yaml',
      `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.cube.io
spec:
  group: cube.io
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
`,
    );
    expect(await kubectl('apply', '-f', crd)).toBe('customresourcedefinition.apiextensions.k8s.io/widgets.cube.io created\n');
    expect(await kubectl('wait', '--for=condition=Established', 'crd/widgets.cube.io', '--timeout=10s')).toContain('condition met');
    expect(
      await kubectl(
        'apply',
        '-f',
        file('w.yaml', 'apiVersion: cube.io/v1\nkind: Widget\nmetadata:\n  name: w1\n  namespace: shop\nspec:\n  size: 3\n'),
      ),
    ).toBe('widget.cube.io/w1 created\n');
    expect(await kubectl('get', 'widgets', '-n', 'shop')).toMatch(/^NAME\s+SIZE\nw1\s+3\n$/);
    expect(await kubectl('get', 'wd', '-n', 'shop', '-o', 'name')).toBe('widget.cube.io/w1\n');
    expect(await kubectl('api-resources', '--api-group=cube.io')).toMatch(/^widgets\s+wd\s+cube\.io\/v1\s+true\s+Widget$/m);
  });

  it('deletes a deployment and then the namespace with everything in it', async () => {
    expect(await kubectl('delete', 'deployment', 'web', '-n', 'shop')).toBe('deployment.apps "web" deleted\n');
    await kubectl('wait', '--for=delete', 'pod', '-l', 'app=web', '-n', 'shop', '--timeout=20s');
    expect(await kubectl('get', 'pods', '-n', 'shop', '-o', 'name')).toBe('');
    expect(await kubectl('delete', 'namespace', 'shop', '--timeout=20s')).toBe('namespace "shop" deleted\n');
    expect(await kubectlFails('get', 'namespace', 'shop')).toContain('Error from server (NotFound): namespaces "shop" not found');
  });
});
