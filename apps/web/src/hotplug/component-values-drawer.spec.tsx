import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../api/api';
import { ApiContext } from '../api/api-context';
import { initI18n } from '../i18n/i18n';
import { ComponentValuesDrawer } from './component-values-drawer';
import type { ClusterComponent } from './hotplug-queries';

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: { prometheus: { type: 'object', properties: { retention: { type: 'string', pattern: '^[0-9]+d$' } } } },
};

function renderDrawer(values: Record<string, unknown>, answer: (request: Request) => Response) {
  const sent: { method: string; url: string; body: unknown }[] = [];
  const fetchFn = async (input: RequestInfo | URL) => {
    const request = input as Request;
    sent.push({ method: request.method, url: request.url, body: await request.clone().json() });
    return answer(request);
  };
  const storage = { getItem: () => null, setItem: () => undefined, removeItem: () => undefined };
  const api = createApi('http://gateway.test', storage, fetchFn as typeof fetch);
  const component: ClusterComponent = { name: 'monitoring', phase: 'running', enabled: true, values, source: 'default' };
  let closed = false;
  render(
    <ApiContext.Provider value={api}>
      <QueryClientProvider client={new QueryClient()}>
        <ComponentValuesDrawer
          cluster="member-a"
          component={component}
          title="Monitoring"
          schema={schema}
          onClose={() => (closed = true)}
        />
      </QueryClientProvider>
    </ApiContext.Provider>,
  );
  return { sent, closed: () => closed };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('<ComponentValuesDrawer>', () => {
  beforeAll(() => initI18n('en'));

  it('names each field that breaks the schema and sends nothing while one does', async () => {
    const { sent } = renderDrawer({ prometheus: { retention: 'forever' }, surprise: 1 }, () => json(200, {}));
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText('These values do not match the component schema')).toBeInTheDocument();
    expect(within(alert).getByText('prometheus.retention')).toBeInTheDocument();
    expect(within(alert).getByText('surprise')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Save' })).toBeDisabled();
    expect(sent).toEqual([]);
  });

  it("saves valid values as the cluster's override and lists the API's 422 fields", async () => {
    const { sent } = renderDrawer({ prometheus: { retention: '15d' } }, () =>
      json(422, {
        code: 'UNPROCESSABLE',
        message: 'the override of component "monitoring" does not match its schema once merged',
        details: { fields: [{ field: '/prometheus/image', problems: ['must NOT have fewer than 1 characters'] }] },
      }),
    );
    await userEvent.setup({ delay: null }).click(screen.getByRole('button', { name: 'Save' }));
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText(/does not match its schema once merged/)).toBeInTheDocument();
    expect(within(alert).getByText('prometheus.image')).toBeInTheDocument();
    expect(sent).toEqual([
      {
        method: 'PUT',
        url: 'http://gateway.test/api/v1/clusters/member-a/hotplug/monitoring',
        body: { values: { prometheus: { retention: '15d' } } },
      },
    ]);
  });
});
