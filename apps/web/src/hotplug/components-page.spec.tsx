import { packRules } from '@casl/ability/extra';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../api/api';
import { ApiContext } from '../api/api-context';
import { MeProvider } from '../auth/me';
import { initI18n } from '../i18n/i18n';
import { AppLayout } from '../layout/app-layout';
import ComponentsPage from './components-page';
import type { CatalogComponent, ClusterComponent } from './hotplug-queries';

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

const ADMIN_RULES = packRules([{ action: 'manage', subject: 'all' }]);
// A tenant member: reads clusters, nothing about components.
const MEMBER_RULES = packRules([
  { action: 'read', subject: 'Cluster' },
  { action: 'read', subject: ['Tenant', 'Project', 'Namespace'], conditions: { tenant: 'acme' } },
]);

const catalogEntry = (name: string, displayName: string, description: string): CatalogComponent => ({
  name,
  displayName,
  description,
  version: '1.2.3',
  namespace: 'cube-system',
  kind: 'built-in',
  valuesSchema: { type: 'object' },
  defaults: { enabled: false, values: {} },
});

const cluster = (name: string) => ({ name, displayName: name, description: '', status: 'normal', createdAt: '2026-12-01T00:00:00Z' });

/**
 * A gateway in memory: the catalog, two clusters and their components. A PUT turns the component
 * on (pending, as the hotplug service answers before Warden has reported) and is recorded.
 */
function fakeGateway(rules: unknown[]) {
  const sent: { method: string; path: string; body?: unknown }[] = [];
  const states: Record<string, ClusterComponent[]> = {
    'member-a': [
      { name: 'monitoring', phase: 'disabled', enabled: false, values: {}, source: 'default', version: '1.2.3' },
      { name: 'logging', phase: 'running', enabled: true, values: {}, source: 'override', version: '2.0.0' },
    ],
    'member-b': [
      { name: 'monitoring', phase: 'applying', enabled: true, values: {}, source: 'override', version: '1.2.3' },
      { name: 'logging', phase: 'failed', enabled: true, values: {}, source: 'default', message: 'image pull failed' },
    ],
  };
  const fetchFn = async (input: RequestInfo | URL) => {
    const request = input as Request;
    const path = new URL(request.url).pathname;
    const body = request.method === 'GET' ? undefined : await request.clone().json();
    sent.push({ method: request.method, path, ...(body === undefined ? {} : { body }) });
    if (path === '/api/v1/me')
      return json(200, {
        user: { name: 'admin', displayName: 'Admin', email: null, phone: null, state: 'active', source: 'local', version: 1 },
        bindings: [],
        rules,
      });
    if (path === '/api/v1/clusters') return json(200, { items: [cluster('member-a'), cluster('member-b')], nextCursor: null });
    if (path === '/api/v1/hotplug/components')
      return json(200, {
        items: [
          catalogEntry('logging', 'Logging', 'Collects container logs'),
          catalogEntry('monitoring', 'Monitoring', 'Prometheus and its exporters'),
        ],
        nextCursor: null,
      });
    const one = /^\/api\/v1\/clusters\/([^/]+)\/hotplug(?:\/([^/]+))?$/.exec(path);
    if (one) {
      const items = states[one[1] as string] ?? [];
      if (!one[2]) return json(200, { items });
      const item = items.find((candidate) => candidate.name === one[2]);
      if (!item) return json(404, { code: 'NOT_FOUND', message: 'component not found' });
      if (request.method === 'PUT') {
        const { enabled } = body as { enabled?: boolean };
        Object.assign(item, { enabled, phase: enabled ? 'pending' : 'disabled', source: 'override' });
      }
      return json(200, item);
    }
    return json(200, { items: [], nextCursor: null });
  };
  return { sent, states, api: createApi('http://gateway.test', storageStub, fetchFn as typeof fetch) };
}

const storageStub = { getItem: () => null, setItem: () => undefined, removeItem: () => undefined };

function Location() {
  const location = useLocation();
  return <output data-testid="location">{`${location.pathname}${location.search}`}</output>;
}

function renderAt(url: string, rules: unknown[]) {
  const gateway = fakeGateway(rules);
  render(
    <ApiContext.Provider value={gateway.api}>
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <MemoryRouter initialEntries={[url]}>
          <MeProvider>
            <Routes>
              <Route element={<AppLayout />}>
                <Route path="/components" element={<ComponentsPage />} />
                <Route path="/" element={<p>home</p>} />
              </Route>
            </Routes>
            <Location />
          </MeProvider>
        </MemoryRouter>
      </QueryClientProvider>
    </ApiContext.Provider>,
  );
  return gateway;
}

// The page waits for /me, the catalog, the clusters and then each cluster's components: allow a loaded machine time for that.
const LOADED = { timeout: 10_000 };

const rowOf = (text: string) => screen.getByText(text).closest('tr') as HTMLElement;

describe('<ComponentsPage>', () => {
  beforeAll(() => initI18n('en'));

  it('lists the catalog with each registered cluster’s state of each component', async () => {
    renderAt('/components', ADMIN_RULES);
    expect(await screen.findByRole('heading', { name: 'Components' }, LOADED)).toBeInTheDocument();
    await screen.findByText('Prometheus and its exporters', {}, LOADED);
    const monitoring = rowOf('Monitoring');
    expect(within(monitoring).getByText('1.2.3')).toBeInTheDocument();
    expect(within(monitoring).getByText('Built-in')).toBeInTheDocument();
    expect(await within(monitoring).findByTestId('state-monitoring-member-a', {}, LOADED)).toHaveTextContent('member-aDisabled');
    expect(await within(monitoring).findByTestId('state-monitoring-member-b')).toHaveTextContent('member-bApplying');
    const logging = rowOf('Logging');
    expect(await within(logging).findByTestId('state-logging-member-a')).toHaveTextContent('member-aRunning');
    expect(await within(logging).findByTestId('state-logging-member-b')).toHaveTextContent('member-bFailed');
  });

  it('keeps the cluster filter and the open component in the URL, so a link opens the same view', async () => {
    renderAt('/components?cluster=member-b&component=logging', ADMIN_RULES);
    // The open component lists its clusters (only member-b, the filter) with phase, message and actions.
    const toggle = await screen.findByRole('switch', { name: 'Enabled: Logging on member-b' }, LOADED);
    const row = toggle.closest('tr') as HTMLElement;
    expect(within(row).getByText('Failed')).toBeInTheDocument();
    expect(within(row).getByText('image pull failed')).toBeInTheDocument();
    expect(screen.queryByRole('switch', { name: 'Enabled: Logging on member-a' })).not.toBeInTheDocument();
    expect(screen.queryByTestId('state-logging-member-a')).not.toBeInTheDocument();
    // Opening another component replaces the selection in the URL.
    await userEvent.setup({ delay: null }).click(screen.getByRole('button', { name: 'Monitoring' }));
    await screen.findByRole('switch', { name: 'Enabled: Monitoring on member-b' }, LOADED);
    expect(screen.getByTestId('location')).toHaveTextContent('/components?cluster=member-b&component=monitoring');
  });

  it('turns a component on for one cluster with PUT …/hotplug/{component} and shows the phase the API reports', async () => {
    const { sent } = renderAt('/components?component=monitoring', ADMIN_RULES);
    const toggle = await screen.findByRole('switch', { name: 'Enabled: Monitoring on member-a' }, LOADED);
    const row = toggle.closest('tr') as HTMLElement;
    expect(within(row).getByText('Disabled')).toBeInTheDocument();
    await userEvent.setup({ delay: null }).click(toggle);
    await within(row).findByText('Pending', {}, LOADED);
    expect(within(row).getByText('Requested')).toBeInTheDocument();
    expect(toggle).toBeChecked();
    expect(sent.filter((request) => request.method !== 'GET')).toEqual([
      { method: 'PUT', path: '/api/v1/clusters/member-a/hotplug/monitoring', body: { enabled: true } },
    ]);
    expect(screen.getByTestId('state-monitoring-member-a')).toHaveTextContent('member-aPending');
  });

  it('shows the sidebar entry to a caller who may read components, leading to /components', async () => {
    renderAt('/', ADMIN_RULES);
    const nav = await screen.findByRole('navigation', { name: 'Main navigation' }, LOADED);
    await userEvent.setup({ delay: null }).click(within(nav).getByText('Components'));
    expect(await screen.findByRole('heading', { name: 'Components' }, LOADED)).toBeInTheDocument();
    expect(screen.getByTestId('location')).toHaveTextContent(/^\/components$/);
  });

  it('hides the sidebar entry from a caller who may not read components', async () => {
    renderAt('/', MEMBER_RULES);
    const nav = await screen.findByRole('navigation', { name: 'Main navigation' }, LOADED);
    expect(within(nav).getByText('Clusters')).toBeInTheDocument();
    expect(within(nav).queryByText('Components')).not.toBeInTheDocument();
  });
});
