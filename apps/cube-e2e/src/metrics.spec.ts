import { createServer, IncomingMessage, Server } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect, JSONCodec, NatsConnection } from 'nats';
import { RunningStack } from '@cube/dev-stack';
import { KubeServer, startKubeServer } from '@cube/testing';
import { TestAlertmanager, TestExporter, TestPrometheus } from './prometheus-server';
import {
  CallOptions,
  eventually,
  gatewayClient,
  Json,
  LineLog,
  startTestStack,
  tempDir,
  TestStack,
  until,
  userBoundTo,
  waitForStatus,
} from './support';

const ADMIN_PASSWORD = 'e2e-metrics-secret-2026';
const METRIC = 'cube_e2e_requests_total';
const OTHER = 'cube_e2e_temperature';
const QUEUE = 'cube_e2e_queue_depth';

/** Every (cluster, namespace) the exporter writes: two tenants, a system namespace, and acme-web's name in another cluster. */
const PAIRS = [
  ['member-a', 'acme-web', 10],
  ['member-b', 'acme-db', 20],
  ['member-a', 'globex-app', 30],
  ['member-a', 'kube-system', 40],
  // A namespace of the same name in a cluster where it is not acme's: a cluster × namespace cross product would leak it.
  ['member-b', 'acme-web', 50],
] as const;
const ACME = ['member-a/acme-web', 'member-b/acme-db'];
const GLOBEX = ['member-a/globex-app'];
const ALL = PAIRS.map(([cluster, namespace]) => `${cluster}/${namespace}`);

/** A test HTTP server standing for a project's webhook receiver: every body Alertmanager posts. */
class WebhookSink {
  readonly posts: { alerts: { labels: Record<string, string>; status: string }[] }[] = [];
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<WebhookSink> {
    let sink: WebhookSink | null = null;
    const server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        sink?.posts.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookSink['posts'][number]);
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    sink = new WebhookSink(server, `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`);
    return sink;
  }

  get alerts(): { labels: Record<string, string>; status: string }[] {
    return this.posts.flatMap((post) => post.alerts);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

interface PromSeries {
  metric: Record<string, string>;
  value?: [number, string];
  values?: [number, string][];
}

// The metrics API against a real Prometheus scraping a test exporter (what member clusters' monitoring writes).
describe('metrics through the gateway', () => {
  const log = new LineLog();
  let exporter: TestExporter;
  let prometheus: TestPrometheus;
  let alertmanager: TestAlertmanager;
  let alertingDir: { path: string; remove(): Promise<void> };
  let acmeHook: WebhookSink;
  let globexHook: WebhookSink;
  let bus: NatsConnection;
  const events: { subject: string; data: Json }[] = [];
  let running: TestStack;
  let stack: RunningStack;
  let members: KubeServer[] = [];
  let admin: string;
  let alice: string;
  let bob: string;
  let carol: string;

  const client = gatewayClient(() => stack.gatewayUrl);
  const call = (method: string, path: string, options: CallOptions = {}) => client.call(method, path, options);
  const get = (path: string, token: string | undefined, params: Record<string, string | string[]>) => {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) for (const one of [value].flat()) search.append(key, one);
    return call('GET', `/api/v1/metrics/${path}?${search.toString()}`, token ? { token } : {});
  };
  const result = (body: Json) => (body['data'] as Json)['result'] as PromSeries[];
  const pairsOf = (series: PromSeries[]) => [...new Set(series.map(({ metric }) => `${metric['cluster']}/${metric['namespace']}`))].sort();
  const query = async (token: string, promql: string): Promise<PromSeries[]> => {
    const reply = await get('query', token, { query: promql });
    if (reply.status !== 200) throw new Error(`${promql}: ${reply.status} ${reply.text}`);
    return result(reply.body);
  };

  beforeAll(async () => {
    exporter = await TestExporter.start();
    for (const [cluster, namespace, value] of PAIRS) {
      exporter.set(METRIC, { cluster, namespace }, value);
      exporter.set(OTHER, { cluster, namespace }, value / 10);
      exporter.set(QUEUE, { cluster, namespace }, 0);
    }
    // The central evaluator: Alertmanager starts on a configuration Cube then replaces; Prometheus reads Cube's rule file.
    alertingDir = await tempDir('cube-e2e-alerting');
    const alertmanagerConfig = join(alertingDir.path, 'alertmanager.yml');
    await writeFile(alertmanagerConfig, 'route: { receiver: none }\nreceivers: [ { name: none } ]\n');
    alertmanager = await TestAlertmanager.start(alertmanagerConfig, join(alertingDir.path, 'alertmanager-data'));
    const rules = join(alertingDir.path, 'rules.yml');
    prometheus = await TestPrometheus.start({ scrapeTarget: exporter.target, ruleFiles: rules, alertmanager: alertmanager.address });
    acmeHook = await WebhookSink.start();
    globexHook = await WebhookSink.start();
    const memberServers = Promise.all(['member-a', 'member-b'].map((name) => startKubeServer({ name })));
    running = await startTestStack(
      'metrics',
      {
        CUBE_ADMIN_PASSWORD: ADMIN_PASSWORD,
        CUBE_METRICS_URL: prometheus.url,
        CUBE_ALERT_RULES_FILE: rules,
        CUBE_ALERTMANAGER_CONFIG_FILE: alertmanagerConfig,
        CUBE_ALERT_PROMETHEUS_URL: prometheus.url,
        CUBE_ALERTMANAGER_URL: alertmanager.url,
        CUBE_ALERT_GROUP_WAIT: '1s',
      },
      log.push,
    );
    stack = running.stack;
    members = await memberServers;
    await waitForStatus(`${stack.gatewayUrl}/readyz`, 200);
    bus = await connect({ servers: running.natsUrl });
    const codec = JSONCodec<Json>();
    for (const subscription of [bus.subscribe('cube.events.metrics.>'), bus.subscribe('cube.audit.cube')]) {
      void (async () => {
        for await (const message of subscription) events.push({ subject: message.subject, data: codec.decode(message.data) });
      })();
    }
    await bus.flush();
    admin = await client.token('admin', ADMIN_PASSWORD);
    for (const [i, name] of ['member-a', 'member-b'].entries()) {
      const registered = await call('POST', '/api/v1/clusters', { token: admin, body: { name, kubeconfig: members[i]?.kubeconfig } });
      expect(registered.status).toBe(201);
    }
    const create = async (path: string, body: Json) => {
      const reply = await call('POST', `/api/v1/${path}`, { token: admin, body });
      if (reply.status !== 201) throw new Error(`POST ${path}: ${reply.status} ${reply.text}`);
    };
    await create('tenants', { name: 'acme' });
    await create('tenants/acme/projects', { name: 'web' });
    await create('tenants/acme/projects/web/namespaces', { name: 'acme-web', cluster: 'member-a' });
    await create('tenants/acme/projects/web/namespaces', { name: 'acme-db', cluster: 'member-b' });
    await create('tenants', { name: 'globex' });
    await create('tenants/globex/projects', { name: 'app' });
    await create('tenants/globex/projects/app/namespaces', { name: 'globex-app', cluster: 'member-a' });
    [alice, bob, carol] = (
      await Promise.all([
        userBoundTo(client, admin, { name: 'alice', role: 'member', scope: { kind: 'project', tenant: 'acme', project: 'web' } }),
        userBoundTo(client, admin, { name: 'bob', role: 'member', scope: { kind: 'tenant', tenant: 'globex' } }),
        userBoundTo(client, admin, { name: 'carol', role: 'viewer', scope: { kind: 'tenant', tenant: 'globex' } }),
      ])
    ).map(({ token }) => token) as [string, string, string];
    // Tenancy learns of bindings from identity's events; Prometheus scrapes every second.
    const visible = async (token: string) => ((await call('GET', '/api/v1/namespaces', { token })).body['items'] as Json[]).length;
    await until('alice sees her namespaces', async () => (await visible(alice)) === 2);
    await until('bob sees his namespace', async () => (await visible(bob)) === 1);
    await eventually('every series scraped', 30_000, async () => ((await query(admin, METRIC)).length === PAIRS.length ? true : undefined));
    // Two member servers, Prometheus, Alertmanager and the whole stack, on a machine shared with other suites.
  }, 240_000);

  afterAll(async () => {
    await bus?.close();
    await running?.stop();
    await Promise.all(members.map((member) => member.stop()));
    await prometheus?.stop();
    await alertmanager?.stop();
    await exporter?.stop();
    await acmeHook?.stop();
    await globexHook?.stop();
    await alertingDir?.remove();
  });

  it('answers a tenant member only with her namespaces, also when her selector asks for more', async () => {
    expect(pairsOf(await query(alice, METRIC))).toEqual(ACME);
    expect(pairsOf(await query(alice, `${METRIC}{namespace=~".*"}`))).toEqual(ACME);
    expect(pairsOf(await query(alice, `${METRIC}{cluster=~".+",namespace!="acme-web"}`))).toEqual(['member-b/acme-db']);
    expect(pairsOf(await query(alice, '{__name__=~".+"}'))).toEqual(ACME);
    const everything = await query(alice, '{__name__=~".+"}');
    expect(new Set(everything.map(({ metric }) => metric['__name__']))).toEqual(new Set([METRIC, OTHER, QUEUE]));
    expect(pairsOf(await query(bob, METRIC))).toEqual(GLOBEX);
  });

  it('aggregates only what is visible: sum by (namespace) does not add another cluster’s namesake', async () => {
    const sums = await query(alice, `sum by (namespace) (${METRIC})`);
    expect(Object.fromEntries(sums.map(({ metric, value }) => [metric['namespace'], Number(value?.[1])]))).toEqual({
      'acme-web': 10,
      'acme-db': 20,
    });
    const total = await query(alice, `sum(${METRIC})`);
    expect(Number(total[0]?.value?.[1])).toBe(30);
  });

  it('scopes both sides of or / unless, so another tenant’s series neither appear nor decide the answer', async () => {
    expect(pairsOf(await query(alice, `${METRIC} or ${OTHER}{namespace="globex-app"}`))).toEqual(ACME);
    // Were the right-hand side read unscoped, globex-app's series would exist and remove vector(1).
    const unless = await query(alice, `vector(1) unless on() ${METRIC}{namespace="globex-app"}`);
    expect(unless).toHaveLength(1);
    const or = await query(alice, `${METRIC}{namespace="globex-app"} or on() vector(7)`);
    expect(or.map(({ value }) => Number(value?.[1]))).toEqual([7]);
    expect(pairsOf(await query(alice, `${OTHER} unless on(namespace) ${METRIC}{namespace="acme-db"}`))).toEqual(['member-a/acme-web']);
  });

  it('scopes selectors inside subqueries, range functions and label_replace', async () => {
    expect(pairsOf(await query(alice, `max_over_time(${METRIC}[1m:1s])`))).toEqual(ACME);
    expect(pairsOf(await query(alice, `max_over_time(rate(${METRIC}[10s])[30s:2s])`))).toEqual(ACME);
    expect(pairsOf(await query(alice, `last_over_time(${METRIC}{namespace=~".+"}[1m])`))).toEqual(ACME);
    // A bare range vector over two clusters with different namespaces: asked once per cluster group, answers joined.
    const bare = await query(alice, `${METRIC}[30s]`);
    expect(pairsOf(bare)).toEqual(ACME);
    expect(bare.every((series) => (series.values ?? []).length > 0)).toBe(true);
    expect(await query(alice, `label_replace(${METRIC}{namespace="globex-app"}, "namespace", "acme-web", "", "")`)).toEqual([]);
    const relabelled = await query(alice, `label_replace(${METRIC}, "ns", "$1", "namespace", "(.*)")`);
    expect(relabelled.map(({ metric }) => metric['ns']).sort()).toEqual(['acme-db', 'acme-web']);
  });

  it('answers query_range with the visible series only', async () => {
    const end = Date.now() / 1000;
    const reply = await get('query_range', alice, {
      query: `sum by (cluster, namespace) (${METRIC})`,
      start: String(end - 30),
      end: String(end),
      step: '2s',
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ status: 'success', data: { resultType: 'matrix' } });
    const series = result(reply.body);
    expect(pairsOf(series)).toEqual(ACME);
    expect(series.every((one) => (one.values ?? []).length > 0)).toBe(true);
    const rfc3339 = await get('query_range', bob, {
      query: METRIC,
      start: new Date((end - 20) * 1000).toISOString(),
      end: new Date(end * 1000).toISOString(),
      step: '5',
    });
    expect(pairsOf(result(rfc3339.body))).toEqual(GLOBEX);
    const range = { start: String(end - 20), end: String(end), step: '2s' };
    for (const promql of [
      '{__name__=~".+"}',
      `${METRIC}{namespace=~".*"}`,
      `${METRIC} or ${OTHER}{namespace="globex-app"}`,
      `${OTHER} unless ${METRIC}{namespace="globex-app"}`,
      `max_over_time(${METRIC}[1m:1s])`,
      `label_replace(${METRIC}, "ns", "$1", "namespace", "(.*)")`,
    ]) {
      const answer = await get('query_range', alice, { query: promql, ...range });
      expect([promql, answer.status, pairsOf(result(answer.body))]).toEqual([promql, 200, ACME]);
    }
    const byNamespace = await get('query_range', alice, { query: `sum by (namespace) (${METRIC})`, ...range });
    const sums = result(byNamespace.body).map(({ metric, values }) => [metric['namespace'], Number(values?.[values.length - 1]?.[1])]);
    expect(Object.fromEntries(sums)).toEqual({ 'acme-web': 10, 'acme-db': 20 });
  });

  it('answers series, labels and label values within what the caller sees', async () => {
    const series = await get('series', alice, { 'match[]': [METRIC, `${OTHER}{namespace="globex-app"}`] });
    expect(series.status).toBe(200);
    const sets = series.body['data'] as Record<string, string>[];
    expect([...new Set(sets.map((set) => `${set['cluster']}/${set['namespace']}`))].sort()).toEqual(ACME);
    const values = await get('label/namespace/values', alice, {});
    expect(values.body).toEqual({ status: 'success', data: ['acme-db', 'acme-web'] });
    const clusters = await get('label/cluster/values', bob, {});
    expect(clusters.body['data']).toEqual(['member-a']);
    const labels = await get('labels', alice, {});
    expect(labels.body['data']).toEqual(expect.arrayContaining(['__name__', 'cluster', 'namespace']));
    expect((await get('series', alice, {})).status).toBe(400);
  });

  it('lets a platform admin see every cluster and namespace, and narrow to one project', async () => {
    expect(pairsOf(await query(admin, METRIC))).toEqual([...ALL].sort());
    expect((await get('label/namespace/values', admin, {})).body['data']).toEqual(['acme-db', 'acme-web', 'globex-app', 'kube-system']);
    const narrowed = await get('query', admin, { query: METRIC, tenant: 'acme', project: 'web' });
    expect(pairsOf(result(narrowed.body))).toEqual(ACME);
    const tenant = await get('query', bob, { query: METRIC, tenant: 'globex' });
    expect(pairsOf(result(tenant.body))).toEqual(GLOBEX);
  });

  it('gives a caller who sees no namespace an empty answer, not an error', async () => {
    expect((await call('POST', '/api/v1/tenants', { token: admin, body: { name: 'ghost' } })).status).toBe(201);
    const nobody = (await userBoundTo(client, admin, { name: 'nobody', role: 'member', scope: { kind: 'tenant', tenant: 'ghost' } })).token;
    expect(await query(nobody, METRIC)).toEqual([]);
    expect(await query(nobody, '{__name__=~".+"}')).toEqual([]);
    expect((await get('label/namespace/values', nobody, {})).body).toEqual({ status: 'success', data: [] });
    expect(await query(carol, METRIC)).toHaveLength(1);
  });

  it('refuses anonymous calls, bad PromQL, too large ranges and unknown projects with 4xx and reasons', async () => {
    const anonymous = await get('query', undefined, { query: METRIC });
    expect(anonymous.status).toBe(401);
    const bad = await get('query', alice, { query: 'sum(rate(x[5m])) by (' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'BAD_REQUEST', details: { reason: 'invalid_promql', position: 21 } });
    const badRange = await get('query_range', alice, { query: 'sum(', start: '0', end: '60', step: '1' });
    expect(badRange.body).toMatchObject({ details: { reason: 'invalid_promql' } });
    const now = Math.floor(Date.now() / 1000);
    const wide = await get('query_range', alice, { query: METRIC, start: String(now - 40 * 86_400), end: String(now), step: '1h' });
    expect(wide.status).toBe(422);
    expect(wide.body).toMatchObject({ code: 'UNPROCESSABLE', details: { reason: 'range_too_large' } });
    const dense = await get('query_range', alice, { query: METRIC, start: String(now - 86_400), end: String(now), step: '1s' });
    expect(dense.status).toBe(422);
    expect(dense.body).toMatchObject({ details: { reason: 'too_many_points', maxPoints: 11_000 } });
    const backwards = await get('query_range', alice, { query: METRIC, start: String(now), end: String(now - 60), step: '1s' });
    expect(backwards.status).toBe(400);
    const unknown = await get('query', alice, { query: METRIC, tenant: 'acme', project: 'nope' });
    expect(unknown.status).toBe(404);
    const foreign = await get('query', alice, { query: METRIC, tenant: 'globex', project: 'app' });
    expect(foreign.status).toBe(404);
    // A type error only the store finds (the grammar accepts it): still 4xx with a reason, never 5xx.
    const typeError = await get('query', alice, { query: `rate(${METRIC})` });
    expect(typeError.status).toBe(400);
    expect(typeError.body).toMatchObject({ details: { reason: 'invalid_promql' } });
    expect((await get('label/bad-name/values', alice, {})).status).toBe(400);
  });

  it('fires a project rule only on its own namespaces, to its own receiver, and lists it as firing', async () => {
    const alerts = (tenant: string, project: string) => `/api/v1/tenants/${tenant}/projects/${project}/alerts`;
    const acmeReceiver = await call('POST', `${alerts('acme', 'web')}/receivers`, {
      token: admin,
      body: { name: 'oncall', webhook: { url: acmeHook.url } },
    });
    expect(acmeReceiver.status).toBe(201);
    expect(acmeReceiver.body).toMatchObject({ name: 'oncall', tenant: 'acme', project: 'web', webhook: { url: acmeHook.url } });
    const globexReceiver = await call('POST', `${alerts('globex', 'app')}/receivers`, {
      token: admin,
      body: { name: 'oncall', webhook: { url: globexHook.url } },
    });
    expect(globexReceiver.status).toBe(201);
    // Unscoped, this expression would fire for every namespace of every tenant once the queues fill.
    const rule = await call('POST', `${alerts('acme', 'web')}/rules`, {
      token: admin,
      body: { name: 'queue-backlog', expr: `${QUEUE} > 50`, for: '2s', severity: 'warning', summary: 'queue backlog' },
    });
    expect(rule.status).toBe(201);
    expect(rule.body).toMatchObject({ name: 'queue-backlog', tenant: 'acme', project: 'web', for: '2s', version: 1 });
    expect((await call('GET', `${alerts('acme', 'web')}/rules`, { token: alice })).body['items']).toHaveLength(1);
    expect((await call('GET', alerts('acme', 'web'), { token: alice })).body).toEqual({ items: [], nextCursor: null });

    for (const [cluster, namespace] of PAIRS) exporter.set(QUEUE, { cluster, namespace }, 100);

    // 90 s: should the two alerts reach Alertmanager in separate pushes (a loaded machine), the second
    // joins the already-notified group and goes out only after its group_interval (1m).
    const delivered = await eventually('the acme receiver gets the alerts', 90_000, async () => {
      const firing = acmeHook.alerts.filter((alert) => alert.status === 'firing');
      return new Set(firing.map((a) => `${a.labels['cluster']}/${a.labels['namespace']}`)).size === 2 ? firing : undefined;
    });
    expect([...new Set(delivered.map((a) => `${a.labels['cluster']}/${a.labels['namespace']}`))].sort()).toEqual(ACME);
    expect(delivered.every((a) => a.labels['cube_tenant'] === 'acme' && a.labels['alertname'] === 'queue-backlog')).toBe(true);
    const listed = await call('GET', alerts('acme', 'web'), { token: alice });
    expect(listed.status).toBe(200);
    const items = listed.body['items'] as Json[];
    expect(items.map((item) => `${(item['labels'] as Json)['cluster']}/${(item['labels'] as Json)['namespace']}`).sort()).toEqual(ACME);
    expect(items[0]).toMatchObject({ rule: 'queue-backlog', severity: 'warning', summary: 'queue backlog' });
    // Alertmanager dispatched the acme group; globex's route had nothing to send.
    expect(globexHook.posts).toEqual([]);
    expect((await call('GET', alerts('globex', 'app'), { token: bob })).body).toEqual({ items: [], nextCursor: null });
    expect((await call('GET', alerts('acme', 'web'), { token: bob })).status).toBe(404);

    await until('rule and receiver events', async () =>
      ['cube.events.metrics.rule.created', 'cube.events.metrics.receiver.created'].every((subject) =>
        events.some((event) => event.subject === subject),
      ),
    );
    const receiverEvent = events.find((event) => event.subject === 'cube.events.metrics.receiver.created');
    expect(JSON.stringify(receiverEvent?.data)).not.toContain(acmeHook.url);
  }, 180_000);

  it('edits and deletes rules, refusing bad expressions, unknown projects and members without rights', async () => {
    const rules = '/api/v1/tenants/acme/projects/web/alerts/rules';
    const body = { name: 'errors', expr: `${METRIC} > 1000`, for: '1m', severity: 'critical', summary: 'too many' };
    expect((await call('POST', rules, { token: alice, body })).status).toBe(403);
    const bad = await call('POST', rules, { token: admin, body: { ...body, expr: 'sum(' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ details: { reason: 'invalid_promql' } });
    expect((await call('POST', rules, { token: admin, body: { ...body, for: 'soon' } })).status).toBe(400);
    expect((await call('POST', '/api/v1/tenants/acme/projects/nope/alerts/rules', { token: admin, body })).status).toBe(404);
    expect((await call('GET', '/api/v1/tenants/acme/projects/nope/alerts', { token: admin })).status).toBe(404);
    expect((await call('POST', rules, { token: admin, body })).status).toBe(201);
    expect((await call('POST', rules, { token: admin, body })).status).toBe(409);
    const updated = await call('PUT', `${rules}/errors`, { token: admin, body: { ...body, for: '5m' } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ for: '5m', version: 2 });
    expect((await call('DELETE', `${rules}/errors`, { token: admin })).status).toBe(204);
    expect((await call('GET', `${rules}/errors`, { token: admin })).status).toBe(404);
    const audited = () =>
      events
        .filter((event) => event.subject === 'cube.audit.cube' && event.data['service'] === 'tenancy')
        .map((event) => event.data['action']);
    await until('every rule and receiver write audited', async () =>
      ['alert-rule.create', 'alert-rule.update', 'alert-rule.delete', 'alert-receiver.create'].every((action) =>
        audited().includes(action),
      ),
    );
    const email = await call('POST', '/api/v1/tenants/acme/projects/web/alerts/receivers', {
      token: admin,
      body: { name: 'mail', email: { to: 'oncall@example.org' } },
    });
    expect(email.status).toBe(422);
    expect(email.body).toMatchObject({ details: { reason: 'email_not_configured' } });
  });
});
