import { ChildProcess, spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { freePort } from '@cube/dev-stack';
import { KubeServer, startKubeServer } from '@cube/testing';
import { eventually, gatewayClient, Json, LineLog, ROOT, startTestStack, tempDir, TestStack, until, waitForStatus } from './support';

const ADMIN_PASSWORD = 'e2e-web-console-2026';
const MEMBER_PASSWORD = 'a long member password 2026';
const CHROMIUM = process.env['CUBE_CHROMIUM'] ?? '/usr/bin/chromium';
/** Screenshots of each main page (gitignored), for a person to look at. */
const ARTEFACTS = join(ROOT, 'test-artefacts/web');
const SPA = join(ROOT, 'dist/apps/web');
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
};

/**
 * The built SPA as any static host would serve it, on its own origin (so every API call is
 * cross-origin and needs the gateway's CUBE_CORS_ORIGINS), with the runtime config.json pointing
 * at the test stack and unknown paths falling back to index.html for client-side routes.
 */
function serveSpa(port: number, gatewayUrl: string): Promise<Server> {
  const server = createServer((req, res) => {
    void (async () => {
      const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://spa').pathname)).replace(/^(\.\.[/\\])+/, '');
      if (path === '/config.json') {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ gatewayUrl }));
        return;
      }
      const file = join(SPA, path);
      const found =
        file.startsWith(SPA) &&
        (await stat(file).then(
          (s) => s.isFile(),
          () => false,
        ));
      const target = found ? file : join(SPA, 'index.html');
      res.writeHead(200, { 'Content-Type': TYPES[extname(target)] ?? 'application/octet-stream' });
      createReadStream(target).pipe(res);
    })();
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

// Issue #18: the web console in a real browser (Debian's Chromium driven by playwright-core) against
// the real stack and two Kubernetes API test servers with their Wardens: the admin's and a tenant
// member's journey, a screenshot of each main page, and axe-core on each.
describe('the web console in Chromium', () => {
  const log = new LineLog();
  let running: TestStack;
  let gatewayUrl: string;
  let spaUrl: string;
  let spa: Server;
  let browser: Browser;
  let admin: BrowserContext;
  let adminPage: Page;
  let memberA: KubeServer;
  let memberB: KubeServer;
  let dir: { path: string; remove(): Promise<void> };
  let adminToken: string;
  const wardens: ChildProcess[] = [];

  const client = gatewayClient(() => gatewayUrl);
  const call = (method: string, path: string, body?: unknown, token = adminToken) => client.call(method, path, { token, body });
  const login = (username: string, password: string) => client.token(username, password);

  const startWarden = async (name: string, member: KubeServer) => {
    const kubeconfig = join(dir.path, `${name}.kubeconfig`);
    await writeFile(kubeconfig, member.kubeconfig, { mode: 0o600 });
    // Warden points the fail-closed quota webhook at its own https://127.0.0.1:<port> (#14).
    const webhookPort = await freePort();
    const args = [
      '--cluster',
      name,
      '--kubeconfig',
      kubeconfig,
      '--webhook-port',
      String(webhookPort),
      '--state-dir',
      join(dir.path, `${name}-state`),
    ];
    const child = spawn(process.execPath, [join(ROOT, 'dist/apps/warden/main.js'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'], CUBE_HEARTBEAT_INTERVAL: '0.5', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const forward = (chunk: Buffer) =>
      chunk
        .toString()
        .split('\n')
        .filter(Boolean)
        .forEach((line) => log.push(`[warden-${name}] ${line}`));
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);
    wardens.push(child);
  };

  /** Saves a full-page screenshot and asserts axe-core finds no critical violation on the page. */
  const check = async (page: Page, name: string) => {
    // A dialog that was just saved fades out for a moment: judge the page, not its closing animation.
    await until(`${name}: no dialog on screen`, async () => (await page.locator('.ant-modal-wrap:visible').count()) === 0);
    await page.screenshot({ path: join(ARTEFACTS, `${name}.png`), fullPage: true });
    const results = await new AxeBuilder({ page }).analyze();
    const critical = results.violations.filter((violation) => violation.impact === 'critical');
    expect({ page: name, critical: critical.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`) }).toEqual({
      page: name,
      critical: [],
    });
  };

  const signIn = async (page: Page, username: string, password: string) => {
    await page.goto(`${spaUrl}/sign-in`);
    await page.getByLabel('User name').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: /^Welcome/ }).waitFor();
  };

  /** Picks `option` in the Ant Design select labelled `label` inside `scope`. */
  const choose = async (page: Page, label: string, option: string) => {
    const select = page.getByRole('dialog').getByLabel(label, { exact: true });
    const item = page.locator(`.ant-select-dropdown:visible .ant-select-item-option[title="${option}"]`);
    // The dropdown may close once while the dialog re-renders as its queries resolve: open it again until the pick lands.
    await eventually(`${label}: ${option} picked`, 30_000, async () => {
      // force: Ant Design lays its selection element over the search input it labels.
      if ((await item.count()) === 0) await select.click({ force: true });
      await item.click({ timeout: 2_000 });
      return true;
    });
  };

  beforeAll(async () => {
    await mkdir(ARTEFACTS, { recursive: true });
    dir = await tempDir('cube-e2e-web');
    [memberA, memberB] = await Promise.all([startKubeServer({ name: 'member-a' }), startKubeServer({ name: 'member-b' })]);
    const spaPort = await freePort();
    spaUrl = `http://127.0.0.1:${spaPort}`;
    running = await startTestStack(
      'web',
      { CUBE_ADMIN_PASSWORD: ADMIN_PASSWORD, CUBE_CORS_ORIGINS: spaUrl, CUBE_PROXY_AUDIT_READS: 'false' },
      log.push,
    );
    gatewayUrl = running.stack.gatewayUrl;
    await waitForStatus(`${gatewayUrl}/readyz`, 200);
    spa = await serveSpa(spaPort, gatewayUrl);
    adminToken = await login('admin', ADMIN_PASSWORD);
    // The second cluster is registered through the API: the browser registers the first.
    expect((await call('POST', '/api/v1/clusters', { name: 'member-b', kubeconfig: memberB.kubeconfig })).status).toBe(201);
    await startWarden('member-b', memberB);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Debian's Chromium as root, on a machine without outside network: no sandbox, no background calls.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    admin = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    adminPage = await admin.newPage();
  });

  afterAll(async () => {
    if (process.env['CUBE_E2E_LOG']) await writeFile(process.env['CUBE_E2E_LOG'], log.all().join('\n'));
    await browser?.close();
    await new Promise((resolve) => (spa ? spa.close(resolve) : resolve(undefined)));
    for (const child of wardens) if (child.exitCode === null) child.kill('SIGKILL');
    await running?.stop();
    await Promise.all([memberA?.stop(), memberB?.stop()]);
    await dir?.remove();
  });

  it('signs the admin in and shows the overview', async () => {
    await adminPage.goto(`${spaUrl}/`);
    await adminPage.waitForURL(/\/sign-in$/);
    await check(adminPage, '01-sign-in');
    await adminPage.getByLabel('User name').fill('admin');
    await adminPage.getByLabel('Password').fill('not the password');
    await adminPage.getByRole('button', { name: 'Sign in' }).click();
    await adminPage.getByRole('alert').getByText('Wrong user name or password.').waitFor();
    await signIn(adminPage, 'admin', ADMIN_PASSWORD);
    await check(adminPage, '02-overview');
    // A reload keeps the session (the refresh token in sessionStorage renews the in-memory access token).
    await adminPage.reload();
    await adminPage.getByRole('heading', { name: /^Welcome/ }).waitFor();
  });

  it("registers a cluster from a pasted kubeconfig, showing the API's refusal on the field, then its live status", async () => {
    await adminPage.getByRole('navigation', { name: 'Main navigation' }).getByText('Clusters').click();
    await adminPage.getByRole('button', { name: 'Register a cluster' }).click();
    const drawer = adminPage.getByRole('dialog');
    await drawer.getByLabel('Name', { exact: true }).fill('member-a');
    await drawer.getByLabel('Kubeconfig').fill(memberA.kubeconfig.replace(memberA.url, 'https://127.0.0.1:1'));
    await drawer.getByRole('button', { name: 'Register' }).click();
    // 422 with details.reason: shown on the kubeconfig field itself.
    await drawer.locator('#kubeconfig_help, .ant-form-item-has-error').first().waitFor();
    expect(await drawer.locator('.ant-form-item-has-error').textContent()).toContain('Kubeconfig');
    await drawer.getByLabel('Kubeconfig').fill(memberA.kubeconfig);
    await drawer.getByRole('button', { name: 'Register' }).click();
    await drawer.waitFor({ state: 'hidden' });
    const row = adminPage.getByRole('row', { name: /member-a/ });
    await row.getByText('Pending').waitFor();
    await startWarden('member-a', memberA);
    await row.getByText('Normal').waitFor({ timeout: 60_000 });
    await adminPage
      .getByRole('row', { name: /member-b/ })
      .getByText('Normal')
      .waitFor({ timeout: 60_000 });
    await check(adminPage, '03-clusters');
    await row.getByRole('link', { name: 'member-a' }).click();
    await adminPage.getByText('Capacity and allocation').waitFor();
    await check(adminPage, '04-cluster-detail');
  });

  it("manages the cluster's optional components: values checked against the schema before sending, on and off with the phase", async () => {
    await adminPage.getByRole('tab', { name: 'Optional components' }).click();
    const metrics = adminPage.getByRole('row', { name: /Metrics Server/ });
    await metrics.getByText('Disabled').waitFor();
    await metrics.getByRole('button', { name: 'Edit values of Metrics Server' }).click();
    const drawer = adminPage.getByRole('dialog');
    const editor = drawer.getByRole('textbox', { name: 'Values' });
    await editor.waitFor();
    // Too many replicas and a field the schema does not have: both named before anything is sent.
    await editor.fill(['image: registry.k8s.io/metrics-server/metrics-server:v0.7.2', 'replicas: 20', 'colour: blue', ''].join('\n'));
    const problems = drawer.getByRole('alert');
    await problems.getByText('replicas', { exact: true }).waitFor();
    await problems.getByText('colour', { exact: true }).waitFor();
    expect(await drawer.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);
    await check(adminPage, '04b-component-values');
    await editor.fill(['image: registry.k8s.io/metrics-server/metrics-server:v0.7.2', 'replicas: 2', ''].join('\n'));
    await problems.waitFor({ state: 'detached' });
    await drawer.getByRole('button', { name: 'Save' }).click();
    await drawer.waitFor({ state: 'hidden' });
    await metrics.getByText('Cluster override').waitFor();
    // On: the phase leaves Disabled and follows what Warden reports; off again: Disabled.
    await metrics.getByRole('switch', { name: 'Enabled: Metrics Server' }).click();
    await metrics.getByText(/^(Pending|Applying|Running|Degraded)$/).waitFor({ timeout: 60_000 });
    await check(adminPage, '04c-cluster-components');
    await metrics.getByRole('switch', { name: 'Enabled: Metrics Server' }).click();
    await metrics.getByText('Disabled').waitFor({ timeout: 60_000 });
  });

  it('creates a tenant with a quota, a project and a namespace, and shows the quota bar', async () => {
    await adminPage.getByRole('navigation', { name: 'Main navigation' }).getByText('Tenants & projects').click();
    await adminPage.getByRole('button', { name: 'Create a tenant' }).click();
    await adminPage.getByRole('dialog').getByLabel('Name', { exact: true }).fill('acme');
    await adminPage.getByRole('dialog').getByLabel('Display name').fill('Acme Corp');
    await adminPage.getByRole('dialog').getByRole('button', { name: 'Create', exact: true }).click();
    await adminPage.waitForURL(/\/t\/acme$/);

    await adminPage.getByRole('tab', { name: 'Quotas' }).click();
    await adminPage.getByRole('button', { name: 'Set quota on a cluster' }).click();
    await choose(adminPage, 'Cluster', 'member-a');
    const dialog = adminPage.getByRole('dialog');
    await dialog.getByLabel('Quantity').first().fill('2');
    await dialog.getByRole('button', { name: 'Add a resource' }).click();
    await dialog.getByLabel('Resource').nth(1).fill('pods');
    await dialog.getByLabel('Quantity').nth(1).fill('10');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await adminPage.getByTestId('quota-member-a-requests.cpu').getByText('used 0 · allocated 0 · hard 2').waitFor();

    await adminPage.getByRole('tab', { name: 'Projects' }).click();
    await adminPage.getByRole('button', { name: 'Create a project' }).click();
    await adminPage.getByRole('dialog').getByLabel('Name', { exact: true }).fill('web');
    await adminPage.getByRole('dialog').getByRole('button', { name: 'Create', exact: true }).click();
    await adminPage.waitForURL(/\/t\/acme\/p\/web$/);

    // More than the tenant has free: the API's refusal is shown, nothing is created.
    await adminPage.getByRole('button', { name: 'Create a namespace' }).click();
    await adminPage.getByRole('dialog').getByLabel('Name', { exact: true }).fill('acme-dev');
    await choose(adminPage, 'Cluster', 'member-a');
    await adminPage.getByRole('dialog').getByLabel('Quantity').first().fill('3');
    await adminPage.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await adminPage.getByRole('dialog').getByRole('alert').waitFor();
    await adminPage.getByRole('dialog').getByLabel('Quantity').first().fill('500m');
    await adminPage.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await adminPage
      .getByRole('row', { name: /acme-dev/ })
      .getByText('requests.cpu=500m')
      .waitFor();
    await check(adminPage, '05-project');

    await adminPage.getByRole('link', { name: 'acme', exact: true }).click();
    await adminPage.getByRole('tab', { name: 'Quotas' }).click();
    await adminPage.getByTestId('quota-member-a-requests.cpu').getByText('used 0 · allocated 500m · hard 2').waitFor();
    await check(adminPage, '06-tenant-quotas');
  });

  it('adds a member, offering only the roles the admin may grant at that scope', async () => {
    expect((await call('POST', '/api/v1/users', { name: 'mia', displayName: 'Mia', password: MEMBER_PASSWORD })).status).toBe(201);
    expect((await call('POST', '/api/v1/tenants', { name: 'globex' })).status).toBe(201);
    await adminPage.getByRole('tab', { name: 'Members' }).click();
    await adminPage.getByRole('button', { name: 'Add a member' }).click();
    const dialog = adminPage.getByRole('dialog');
    await dialog.getByLabel('User name').fill('mia');
    const roleSelect = dialog.getByLabel('Role', { exact: true });
    const options = adminPage.locator('.ant-select-dropdown:visible .ant-select-item-option');
    // The dropdown may close once while the dialog re-renders (roles arrive from /me and /roles): open it until it shows options.
    const openRoles = async () => {
      if ((await options.count()) === 0) await roleSelect.click();
    };
    const offered = await eventually('the role options', 30_000, async () => {
      await openRoles();
      const texts = await options.allTextContents();
      return texts.length > 0 ? texts : undefined;
    });
    expect(offered).toEqual(['Tenant admin', 'Member', 'Viewer']);
    await choose(adminPage, 'Role', 'Member');
    await dialog.getByRole('button', { name: 'Add' }).click();
    await adminPage.getByRole('row', { name: /mia/ }).getByText('Member').waitFor();
    await check(adminPage, '07-tenant-members');
  });

  it('lets the member sign in and see only her tenant', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    const page = await context.newPage();
    await signIn(page, 'mia', MEMBER_PASSWORD);
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    expect(await nav.getByText('Audit').count()).toBe(0);
    expect(await nav.getByText('Users', { exact: true }).count()).toBe(0);
    await nav.getByText('Tenants & projects').click();
    await page.getByRole('link', { name: 'acme', exact: true }).waitFor();
    expect(await page.getByRole('link', { name: 'globex' }).count()).toBe(0);
    await check(page, '08-member-tenants');
    // A tenant she is not in looks like one that does not exist.
    await page.goto(`${spaUrl}/t/globex`);
    await page.getByText('Not found').waitFor();
    await context.close();
  });

  it('lets the member create a ConfigMap from the YAML editor and see it in the list', async () => {
    // Warden applies her RoleBinding in the namespace; wait until the member cluster lets her in.
    const miaToken = await login('mia', MEMBER_PASSWORD);
    await until(
      'mia may list ConfigMaps in acme-dev',
      async () =>
        (await call('GET', '/api/v1/proxy/clusters/member-a/api/v1/namespaces/acme-dev/configmaps', undefined, miaToken)).status === 200,
      60_000,
    );

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    const page = await context.newPage();
    await signIn(page, 'mia', MEMBER_PASSWORD);
    // Through the scope in the URL, as a shared link would.
    await page.goto(`${spaUrl}/t/acme/p/web/c/member-a/ns/acme-dev/configmaps`);
    await page.getByRole('columnheader', { name: 'Keys' }).waitFor();
    expect(await page.getByRole('row', { name: /settings/ }).count()).toBe(0);
    await page.getByRole('button', { name: 'Create from YAML' }).click();
    const yaml = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: settings',
      '  labels:',
      '    app: web',
      'data:',
      '  greeting: hello from the console',
      '',
    ].join('\n');
    await page.getByLabel('YAML', { exact: true }).fill(yaml);
    await check(page, '09-yaml-editor');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    const row = page.getByRole('row', { name: /settings/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('app=web');
    await check(page, '10-configmaps');
    // The label filter goes to the API (labelSelector) and narrows the list.
    await page.getByLabel('Label selector').fill('app=other');
    await page.getByLabel('Label selector').press('Enter');
    await page.getByText('No ConfigMaps in this namespace yet.').waitFor();
    await row.getByRole('link', { name: 'settings' }).waitFor({ state: 'detached' });
    await page.goto(`${spaUrl}/t/acme/p/web/c/member-a/ns/acme-dev/configmaps/settings`);
    await page.getByText('hello from the console').waitFor();
    await check(page, '11-configmap-detail');
    await context.close();
  });

  it('lets the member open a terminal on a pod of hers and run a command, and opens the CloudShell drawer', async () => {
    const pods = '/api/v1/proxy/clusters/member-a/api/v1/namespaces/acme-dev/pods';
    const cpu = { requests: { cpu: '100m' }, limits: { cpu: '100m' } };
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'shell' },
      spec: { containers: [{ name: 'app', image: 'busybox', command: ['sleep', '3600'], resources: cpu }] },
    };
    expect((await call('POST', pods, pod)).status).toBe(201);
    await until(
      'pod shell running',
      async () => ((await call('GET', `${pods}/shell`)).body['status'] as Json | undefined)?.['phase'] === 'Running',
      60_000,
    );

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    const page = await context.newPage();
    await signIn(page, 'mia', MEMBER_PASSWORD);
    await page.goto(`${spaUrl}/t/acme/p/web/c/member-a/ns/acme-dev/pods/shell`);
    await page.getByRole('tab', { name: 'Terminal' }).click();
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByTestId('terminal-state').getByText('Connected').waitFor({ timeout: 30_000 });
    await page.getByTestId('terminal').click();
    await page.keyboard.type('echo hi');
    await page.keyboard.press('Enter');
    // xterm.js draws each screen row as its own element: the output is a row that reads just "hi".
    await page
      .locator('.xterm-rows > div', { hasText: /^\s*hi\s*$/ })
      .first()
      .waitFor({ timeout: 30_000 });
    await check(page, '12-pod-terminal');
    await page.keyboard.type('exit 3');
    await page.keyboard.press('Enter');
    await page.getByRole('status').getByText('Exit code 3').waitFor({ timeout: 30_000 });

    await page.getByRole('button', { name: 'CloudShell' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Connect' }).waitFor();
    await check(page, '13-cloudshell-drawer');
    await context.close();
  });

  it('shows the admin both actions in the audit page', async () => {
    await adminPage.getByRole('navigation', { name: 'Main navigation' }).getByText('Audit').click();
    const search = async (user: string, text: RegExp) => {
      await adminPage.getByLabel('User', { exact: true }).fill(user);
      await until(
        `audit rows of ${user} matching ${text}`,
        async () => {
          await adminPage.getByRole('button', { name: 'Search' }).click();
          await adminPage.locator('.ant-table-tbody').waitFor();
          return (await adminPage.getByRole('row', { name: text }).count()) > 0;
        },
        30_000,
      );
    };
    await search('admin', /rolebinding\.create/);
    await search('mia', /acme-dev \/ configmaps \/ settings/);
    await check(adminPage, '14-audit');
    await adminPage.getByRole('button', { name: 'Verify the hash chain' }).click();
    await adminPage
      .getByRole('status')
      .getByText(/The chain is intact/)
      .waitFor();
  });

  it('signs out, revoking the session', async () => {
    const refreshToken = (await adminPage.evaluate('window.sessionStorage.getItem("cube.refreshToken")')) as string | null;
    expect(refreshToken).toBeTruthy();
    await adminPage.getByRole('button', { name: /Account of admin/ }).click();
    await adminPage.getByText('Sign out').click();
    await adminPage.waitForURL(/\/sign-in$/);
    expect((await adminPage.evaluate('window.sessionStorage.getItem("cube.refreshToken")')) as string | null).toBeNull();
    await adminPage.goto(`${spaUrl}/clusters`);
    await adminPage.waitForURL(/\/sign-in$/);
    expect((await call('POST', '/api/v1/auth/refresh', { refreshToken })).status).toBe(401);
    // The hosted page refuses scripts from anywhere but its own origin (README, "Web console").
    expect(await readFile(join(SPA, 'index.html'), 'utf8')).toContain("script-src 'self'");
  });

  it("Components page: the catalog with each cluster's phase, a component turned on for one cluster, its phase progressing to Running", async () => {
    // The previous test signed the admin out: the page's address leads through sign-in back to it.
    await adminPage.goto(`${spaUrl}/components`);
    await adminPage.waitForURL(/\/sign-in$/);
    await adminPage.getByLabel('User name').fill('admin');
    await adminPage.getByLabel('Password').fill(ADMIN_PASSWORD);
    await adminPage.getByRole('button', { name: 'Sign in' }).click();
    await adminPage.getByRole('heading', { name: 'Components' }).waitFor();
    await adminPage.getByRole('navigation', { name: 'Main navigation' }).getByText('Components', { exact: true }).click();
    // The catalog, each entry with its state on both registered clusters.
    for (const name of ['Alerting', 'Logging', 'Metrics Server', 'Monitoring'])
      await adminPage.getByRole('button', { name, exact: true }).waitFor();
    const onB = adminPage.getByTestId('state-metrics-server-member-b');
    await onB.getByText('Disabled').waitFor();
    // member-a still has the override the cluster tab saved (off again): Disabled there too.
    await adminPage.getByTestId('state-metrics-server-member-a').getByText('Disabled').waitFor();
    await check(adminPage, '15-components');
    // Opening the component lists its clusters; the open component is in the URL and survives a reload.
    await adminPage.getByRole('button', { name: 'Metrics Server', exact: true }).click();
    await adminPage.waitForURL(/\/components\?component=metrics-server$/);
    await adminPage.reload();
    const toggle = adminPage.getByRole('switch', { name: 'Enabled: Metrics Server on member-b' });
    await toggle.waitFor();
    // The innermost row of member-b in the open component's cluster table.
    const row = adminPage.locator('tr:not(:has(tr))', { has: toggle });
    await row.getByText('Disabled', { exact: true }).waitFor();
    await toggle.click();
    // On: the phase leaves Disabled with its progress steps, and follows Warden's reports to Running.
    await row.getByText(/^(Pending|Applying|Running)$/).waitFor({ timeout: 60_000 });
    await row.getByText('Requested', { exact: true }).waitFor();
    await row.getByText('Running', { exact: true }).waitFor({ timeout: 90_000 });
    await onB.getByText('Running').waitFor();
    await check(adminPage, '15b-components-enabled');
    // The API agrees (a fresh token: the spec's first one may have expired by now).
    const token = await login('admin', ADMIN_PASSWORD);
    expect((await call('GET', '/api/v1/clusters/member-b/hotplug', undefined, token)).body).toMatchObject({
      items: expect.arrayContaining([expect.objectContaining({ name: 'metrics-server', enabled: true, phase: 'running' })]),
    });
  });

  it("Metrics & alerts page: says metrics are not configured, creates an alert rule (the API's PromQL refusal shown first), lists it and deletes it", async () => {
    // The previous test signed the browser's admin out: a session of her own for the page, and a token for the API checks.
    const token = await login('admin', ADMIN_PASSWORD);
    const rule = () => call('GET', '/api/v1/tenants/acme/projects/web/alerts/rules/pods-restarting', undefined, token);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    const page = await context.newPage();
    await signIn(page, 'admin', ADMIN_PASSWORD);
    // From the sidebar: without a project in the URL, the entry offers the projects to pick from.
    await page.getByRole('navigation', { name: 'Main navigation' }).getByText('Metrics & alerts').click();
    await page.waitForURL(/\/metrics$/);
    await page.getByRole('link', { name: 'web', exact: true }).click();
    await page.waitForURL(/\/t\/acme\/p\/web\/metrics$/);
    // This stack has no metrics store (CUBE_METRICS_URL) and no alert evaluator: each says so plainly.
    await page.getByText('Metrics are not configured').waitFor();
    await check(page, '16-metrics');
    await page.getByRole('tab', { name: 'Firing alerts' }).click();
    await page.getByText('Alerting is not configured').waitFor();

    await page.getByRole('tab', { name: 'Alert rules' }).click();
    await page.getByText(/No alert rules yet/).waitFor();
    await page.getByRole('button', { name: 'Create an alert rule' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name', { exact: true }).fill('pods-restarting');
    await dialog.getByLabel('Expression (PromQL)').fill('rate(kube_pod_container_status_restarts_total[5m]) >');
    await dialog.getByLabel('For', { exact: true }).fill('10m');
    await dialog.getByLabel('Summary').fill('A container keeps restarting');
    await dialog.getByRole('button', { name: 'Save' }).click();
    // Unparseable PromQL: the API's 400 (invalid_promql) in the dialog, on the expression field, nothing stored.
    await dialog
      .getByRole('alert')
      .getByText(/PromQL/)
      .waitFor();
    await dialog.locator('.ant-form-item-has-error').getByText('Expression (PromQL)').waitFor();
    expect((await rule()).status).toBe(404);
    await dialog.getByLabel('Expression (PromQL)').fill('rate(kube_pod_container_status_restarts_total[5m]) > 0');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const row = page.getByRole('row', { name: /pods-restarting/ });
    await row.getByText('A container keeps restarting').waitFor();
    await row.getByText('Warning').waitFor();
    expect((await rule()).body).toMatchObject({
      name: 'pods-restarting',
      expr: 'rate(kube_pod_container_status_restarts_total[5m]) > 0',
      for: '10m',
      severity: 'warning',
      summary: 'A container keeps restarting',
      createdBy: 'admin',
    });
    await check(page, '17-alert-rules');

    await row.getByRole('button', { name: 'Delete' }).click();
    const confirm = page.getByRole('dialog');
    await confirm.getByLabel('Name to confirm').fill('pods-restarting');
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await row.waitFor({ state: 'detached' });
    await page.getByText(/No alert rules yet/).waitFor();
    expect((await rule()).status).toBe(404);
    await context.close();
  });
});
