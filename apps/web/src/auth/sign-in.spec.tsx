import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../api/api';
import { ApiContext } from '../api/api-context';
import { ApiError } from '../api/api-error';
import { initI18n } from '../i18n/i18n';
import { tokensFromFragment } from './oidc-return-page';
import { SignInPage, signInErrorText } from './sign-in-page';

class MemoryStorage {
  readonly values = new Map<string, string>();
  getItem = (key: string) => this.values.get(key) ?? null;
  setItem = (key: string, value: string) => void this.values.set(key, value);
  removeItem = (key: string) => void this.values.delete(key);
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

function renderSignIn(answer: (body: Record<string, unknown>) => Response) {
  const sent: Record<string, unknown>[] = [];
  const fetchFn = async (input: RequestInfo | URL) => {
    const body = (await (input as Request).json()) as Record<string, unknown>;
    sent.push(body);
    return answer(body);
  };
  const storage = new MemoryStorage();
  const api = createApi('http://gateway.test', storage, fetchFn as typeof fetch);
  render(
    <ApiContext.Provider value={api}>
      <QueryClientProvider client={new QueryClient()}>
        <MemoryRouter initialEntries={['/sign-in']}>
          <Routes>
            <Route path="/sign-in" element={<SignInPage />} />
            <Route path="/" element={<p>home</p>} />
          </Routes>
        </MemoryRouter>
      </QueryClientProvider>
    </ApiContext.Provider>,
  );
  return { sent, storage, api };
}

async function fillAndSubmit(user: string, password: string) {
  const ui = userEvent.setup({ delay: null });
  await ui.type(screen.getByLabelText('User name'), user);
  await ui.type(screen.getByLabelText('Password'), password);
  await ui.click(screen.getByRole('button', { name: 'Sign in' }));
  return ui;
}

describe('sign-in', () => {
  beforeAll(() => initI18n('en'));

  it('signs in with the chosen provider and keeps the refresh token for a reload', async () => {
    const { sent, storage } = renderSignIn(() => json(200, { accessToken: 'a', refreshToken: 'r', expiresIn: 900, tokenType: 'Bearer' }));
    await userEvent.setup({ delay: null }).click(screen.getByText('LDAP'));
    await fillAndSubmit('alice', 'secret-password');
    expect(await screen.findByText('home')).toBeInTheDocument();
    expect(sent).toEqual([{ username: 'alice', password: 'secret-password', provider: 'ldap' }]);
    expect(storage.getItem('cube.refreshToken')).toBe('r');
  });

  it('says when a locked-out user may try again', async () => {
    renderSignIn(() =>
      json(429, { code: 'RATE_LIMITED', message: 'too many failed logins; try again later', details: { retryAfterSeconds: 120 } }),
    );
    await fillAndSubmit('alice', 'wrong');
    expect(await screen.findByRole('alert')).toHaveTextContent(/Try again in 120 s \(at .+\)/);
  });

  it('refuses an empty form without calling the API', async () => {
    const { sent } = renderSignIn(() => json(500, {}));
    await userEvent.setup({ delay: null }).click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Enter your user name')).toBeInTheDocument();
    expect(sent).toEqual([]);
  });

  it('tells wrong credentials and unconfigured providers apart', () => {
    const t = (key: string) => key;
    expect(signInErrorText(new ApiError(401, 'UNAUTHENTICATED', 'invalid credentials'), t)).toBe('signIn.badCredentials');
    expect(signInErrorText(new ApiError(400, 'BAD_REQUEST', 'x', { reason: 'provider_not_configured' }), t)).toBe(
      'signIn.providerNotConfigured',
    );
  });

  it('reads the OIDC return fragment and refuses an incomplete one', () => {
    expect(tokensFromFragment('#accessToken=a&refreshToken=r&expiresIn=900&tokenType=Bearer')).toEqual({
      accessToken: 'a',
      refreshToken: 'r',
      expiresIn: 900,
      tokenType: 'Bearer',
    });
    expect(tokensFromFragment('#accessToken=a&expiresIn=900')).toBeNull();
  });
});
