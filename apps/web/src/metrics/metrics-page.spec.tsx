import { packRules } from '@casl/ability/extra';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { configure, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../api/api';
import { ApiContext } from '../api/api-context';
import { MeProvider } from '../auth/me';
import { initI18n } from '../i18n/i18n';
import { AppLayout } from '../layout/app-layout';
import MetricsPage from './metrics-page';

// Recharts' ResponsiveContainer observes its size; jsdom has no ResizeObserver (and lays nothing out).
globalThis.ResizeObserver ??= class {
  observe = () => undefined;
  unobserve = () => undefined;
  disconnect = () => undefined;
} as unknown as typeof ResizeObserver;

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

type Rule = { action: string | string[]; subject: string | string[]; conditions?: Record<string, unknown> };
const ADMIN: Rule[] = [{ action: 'manage', subject: 'all' }];
const me = (rules: Rule[]) => ({
  user: { name: 'ada', displayName: 'Ada' },
  bindings: [],
  rules: packRules(rules as never),
});

interface Sent {
  method: string;
  path: string;
  search: URLSearchParams;
  body: unknown;
}

/** Renders `path` with the console's providers; `answer` stands for the gateway (unknown calls: 404). */
function renderAt(path: string, answer: (request: Sent) => Response | undefined, rules: Rule[] = ADMIN) {
  const sent: Sent[] = [];
  const fetchFn = async (input: RequestInfo | URL) => {
    const request = input as Request;
    const url = new URL(request.url);
    const text = await request.clone().text();
    const entry = { method: request.method, path: url.pathname, search: url.searchParams, body: text ? JSON.parse(text) : undefined };
    if (url.pathname === '/api/v1/me') return json(200, me(rules));
    sent.push(entry);
    return answer(entry) ?? json(404, { code: 'NOT_FOUND', message: 'not found', details: {} });
  };
  const storage = { getItem: () => null, setItem: () => undefined, removeItem: () => undefined };
  const api = createApi('http://gateway.test', storage, fetchFn as typeof fetch);
  render(
    <ApiContext.Provider value={api}>
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <MemoryRouter initialEntries={[path]}>
          <MeProvider>
            <Routes>
              <Route element={<AppLayout />}>
                <Route path="/" element={<p>home</p>} />
                <Route path="/t/:tenant/p/:project/metrics" element={<MetricsPage />} />
              </Route>
            </Routes>
          </MeProvider>
        </MemoryRouter>
      </QueryClientProvider>
    </ApiContext.Provider>,
  );
  return sent;
}

const page = (items: unknown[]) => json(200, { items, nextCursor: null });
const RULE = {
  name: 'high-memory',
  expr: 'container_memory_working_set_bytes > 1e9',
  for: '5m',
  severity: 'critical',
  summary: 'Memory above 1 GB',
  tenant: 'acme',
  project: 'web',
  createdBy: 'ada',
  createdAt: '2026-12-03T10:00:00Z',
  updatedAt: '2026-12-03T10:00:00Z',
  version: 1,
};

// Two cores shared by several test runs: Ant Design's first render of a page can take longer than the default second.
configure({ asyncUtilTimeout: 10_000 });

describe('Metrics & alerts page', () => {
  beforeAll(() => initI18n('en'));

  it("draws the project's CPU panel and shows a PromQL query's series and values, scoped to the project", async () => {
    const sent = renderAt('/t/acme/p/web/metrics', (request) => {
      const query = request.search.get('query') ?? '';
      if (request.path === '/api/v1/metrics/query_range' && query.includes('container_cpu_usage_seconds_total')) {
        const values = [
          [1764756000, '0.2'],
          [1764756060, '0.25'],
        ];
        return json(200, {
          status: 'success',
          data: { resultType: 'matrix', result: [{ metric: { cluster: 'member-a', namespace: 'acme-dev' }, values }] },
        });
      }
      if (request.path === '/api/v1/metrics/query_range')
        return json(200, { status: 'success', data: { resultType: 'matrix', result: [] } });
      if (request.path === '/api/v1/metrics/query') {
        const result = [
          { metric: { namespace: 'acme-dev', phase: 'Running' }, value: [1764756060, '3'] },
          { metric: { namespace: 'acme-prod', phase: 'Running' }, value: [1764756060, '0.123456789'] },
        ];
        return json(200, { status: 'success', data: { resultType: 'vector', result } });
      }
      if (request.path.endsWith('/alerts')) return page([]);
      return undefined;
    });
    expect(await screen.findByRole('img', { name: 'CPU (cores) by namespace: member-a/acme-dev: 0.250' })).toBeInTheDocument();
    expect(await screen.findByText("No data for this project's namespaces in the last hour.")).toBeInTheDocument();

    const ui = userEvent.setup({ delay: null });
    await ui.click(screen.getByLabelText('Query'));
    await ui.paste('sum by (namespace, phase) (kube_pod_status_phase)');
    await ui.click(screen.getByRole('button', { name: 'Run' }));
    const row = (await screen.findByText('{namespace="acme-prod", phase="Running"}')).closest('tr') as HTMLElement;
    // The store's own text of the value: exact, not rounded.
    expect(within(row).getByText('0.123456789')).toBeInTheDocument();
    expect(screen.getByText('{namespace="acme-dev", phase="Running"}')).toBeInTheDocument();
    const query = sent.find((request) => request.path === '/api/v1/metrics/query');
    expect(Object.fromEntries(query?.search ?? [])).toEqual({
      tenant: 'acme',
      project: 'web',
      query: 'sum by (namespace, phase) (kube_pod_status_phase)',
    });
  });

  it('says plainly when no metrics store is configured', async () => {
    renderAt('/t/acme/p/web/metrics', (request) =>
      request.path.startsWith('/api/v1/metrics/')
        ? json(503, {
            code: 'UNAVAILABLE',
            message: 'no metrics store is configured (CUBE_METRICS_URL)',
            details: { reason: 'metrics_not_configured' },
          })
        : request.path.endsWith('/alerts')
          ? page([])
          : undefined,
    );
    expect(await screen.findByText('Metrics are not configured')).toBeInTheDocument();
    expect(screen.queryByLabelText('Query')).not.toBeInTheDocument();
  });

  it("lists the project's firing alerts with severity as a word", async () => {
    const alert = {
      rule: 'high-memory',
      severity: 'critical',
      summary: 'Memory above 1 GB',
      labels: { namespace: 'acme-dev', cluster: 'member-a', cube_tenant: 'acme', alertname: 'high-memory' },
      value: '1.5e+09',
      activeAt: new Date(Date.now() - 120_000).toISOString(),
    };
    renderAt('/t/acme/p/web/metrics?tab=alerts', (request) =>
      request.path === '/api/v1/tenants/acme/projects/web/alerts' ? page([alert]) : undefined,
    );
    const row = (await screen.findByText('Memory above 1 GB')).closest('tr') as HTMLElement;
    expect(within(row).getByText('high-memory')).toBeInTheDocument();
    expect(within(row).getByText('Critical')).toBeInTheDocument();
    expect(within(row).getByText('namespace=acme-dev')).toBeInTheDocument();
    expect(within(row).queryByText(/cube_tenant/)).not.toBeInTheDocument();
    expect(within(row).getByText('1.5e+09')).toBeInTheDocument();
  });

  it("creates a rule with the form's body and shows the API's 400 reason on the expression", async () => {
    const sent = renderAt('/t/acme/p/web/metrics?tab=rules', (request) => {
      if (request.path === '/api/v1/tenants/acme/projects/web/alerts/rules' && request.method === 'GET') return page([RULE]);
      if (request.path === '/api/v1/tenants/acme/projects/web/alerts/rules' && request.method === 'POST') {
        return json(400, {
          code: 'BAD_REQUEST',
          message: 'invalid PromQL at line 1, column 9: unexpected end of input',
          details: { reason: 'invalid_promql', fields: [{ field: 'expr', problems: ['unexpected end of input'] }] },
        });
      }
      if (request.path.endsWith('/alerts')) return page([]);
      return undefined;
    });
    expect(await screen.findByText('Memory above 1 GB')).toBeInTheDocument();
    const ui = userEvent.setup({ delay: null });
    await ui.click(screen.getByRole('button', { name: 'Create an alert rule' }));
    const dialog = await screen.findByRole('dialog');
    await ui.type(within(dialog).getByLabelText('Name'), 'pods-down');
    await ui.click(within(dialog).getByLabelText('Expression (PromQL)'));
    await ui.paste('up == ');
    await ui.clear(within(dialog).getByLabelText('For'));
    await ui.type(within(dialog).getByLabelText('For'), '10m');
    await ui.click(within(dialog).getByLabelText('Summary'));
    await ui.paste('A target is down');
    await ui.click(within(dialog).getByRole('button', { name: 'Save' }));

    const alert = await within(dialog).findByRole('alert');
    expect(alert).toHaveTextContent('invalid PromQL at line 1, column 9: unexpected end of input');
    // The field the API named is marked too.
    expect(await within(dialog).findByText('unexpected end of input')).toBeInTheDocument();
    expect(sent.filter((request) => request.method === 'POST').map((request) => [request.path, request.body])).toEqual([
      [
        '/api/v1/tenants/acme/projects/web/alerts/rules',
        { name: 'pods-down', expr: 'up ==', for: '10m', severity: 'warning', summary: 'A target is down' },
      ],
    ]);
  });

  it("lists receivers showing only a webhook's origin, never the stored URL", async () => {
    const receiver = {
      name: 'oncall',
      webhook: { url: 'https://hooks.example.org/services/T000/B000/s3cr3t-token?key=abc' },
      email: { to: 'oncall@example.org' },
      tenant: 'acme',
      project: 'web',
      createdBy: 'ada',
      createdAt: '2026-12-03T10:00:00Z',
      updatedAt: '2026-12-03T10:00:00Z',
      version: 1,
    };
    renderAt('/t/acme/p/web/metrics?tab=receivers', (request) =>
      request.path === '/api/v1/tenants/acme/projects/web/alerts/receivers'
        ? page([receiver])
        : request.path.endsWith('/alerts')
          ? page([])
          : undefined,
    );
    expect(await screen.findByText('Webhook at https://hooks.example.org')).toBeInTheDocument();
    expect(screen.getByText('E-mail to oncall@example.org')).toBeInTheDocument();
    expect(document.body.textContent).not.toContain('s3cr3t-token');
  });

  it('hides the sidebar entry from a caller who may not read projects', async () => {
    renderAt('/', () => page([]), [{ action: 'read', subject: 'Namespace' }]);
    const nav = await screen.findByRole('navigation', { name: 'Main navigation' });
    expect(within(nav).getByText('Overview')).toBeInTheDocument();
    expect(within(nav).queryByText('Metrics & alerts')).not.toBeInTheDocument();
  });

  it('points the sidebar entry at the project in the URL', async () => {
    renderAt('/t/acme/p/web/metrics?tab=rules', (request) => (request.path.includes('/alerts') ? page([]) : undefined), [
      { action: 'read', subject: 'Project' },
    ]);
    const nav = await screen.findByRole('navigation', { name: 'Main navigation' });
    const entry = await within(nav).findByText('Metrics & alerts');
    expect(entry.closest('li')).toHaveClass('ant-menu-item-selected');
    // A caller who may only read the project is not offered writes.
    expect(await screen.findByText(/No alert rules yet/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Create an alert rule' })).not.toBeInTheDocument();
  });
});
