import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApi } from '../api/api';
import { ApiContext } from '../api/api-context';
import { initI18n } from '../i18n/i18n';
import { PodTerminal } from './pod-terminal';

/** A browser WebSocket as far as the terminal uses it, driven by the test as the gateway. */
class GatewaySocket {
  static opened: GatewaySocket[] = [];
  binaryType = 'blob';
  readyState = 0;
  sent: unknown[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  constructor(readonly url: string) {
    GatewaySocket.opened.push(this);
  }
  send(data: unknown) {
    this.sent.push(typeof data === 'string' ? data : new TextDecoder().decode(data as Uint8Array));
  }
  close() {
    this.readyState = 3;
  }
}

// jsdom has no layout, so no resizes to observe.
class NoResizeObserver {
  observe = () => undefined;
  disconnect = () => undefined;
}

describe('<PodTerminal>', () => {
  beforeAll(() => initI18n('en'));
  beforeEach(() => {
    GatewaySocket.opened = [];
    vi.stubGlobal('WebSocket', GatewaySocket);
    vi.stubGlobal('ResizeObserver', NoResizeObserver);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('opens a console session on Connect, streams with its ticket, and says why the gateway closed it', async () => {
    const sessions: unknown[] = [];
    const fetchFn = async (input: RequestInfo | URL) => {
      const request = input as Request;
      sessions.push(await request.json());
      return new Response(
        JSON.stringify({
          id: 's1',
          ticket: 't1',
          streamUrl: '/api/v1/console/sessions/s1/stream?ticket=t1',
          expiresAt: '2026-01-01T00:00:30Z',
        }),
        { status: 201, headers: { 'Content-Type': 'application/json' } },
      );
    };
    const storage = { getItem: () => null, setItem: () => undefined, removeItem: () => undefined };
    render(
      <ApiContext.Provider value={createApi('https://cube.example.org', storage, fetchFn as typeof fetch)}>
        <QueryClientProvider client={new QueryClient()}>
          <PodTerminal cluster="member-a" namespace="acme-dev" pod="shell" containers={['app']} />
        </QueryClientProvider>
      </ApiContext.Provider>,
    );
    await userEvent.setup({ delay: null }).click(screen.getByRole('button', { name: 'Connect' }));
    await waitFor(() => expect(GatewaySocket.opened).toHaveLength(1), { timeout: 20_000 });
    const socket = GatewaySocket.opened[0] as GatewaySocket;
    expect(sessions).toEqual([{ cluster: 'member-a', namespace: 'acme-dev', pod: 'shell', container: 'app' }]);
    expect(socket.url).toBe('wss://cube.example.org/api/v1/console/sessions/s1/stream?ticket=t1');
    socket.readyState = 1;
    socket.onopen?.({});
    await screen.findByText('Connected');
    expect(socket.sent[0]).toMatch(/^\{"type":"resize","cols":\d+,"rows":\d+\}$/);
    socket.readyState = 3;
    socket.onclose?.({ code: 4001, reason: 'idle' });
    expect(await screen.findByText('Closed after being idle too long (4001).')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Connect again' })).toBeInTheDocument();
  });
});
