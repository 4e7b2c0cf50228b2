import createClient, { type Client } from 'openapi-fetch';
import { apiErrorOf } from './api-error';
import type { paths } from './schema.gen';
import { Session, type SessionStorageLike, type TokenPair } from './session';

export type CubeClient = Client<paths>;

export interface Api {
  gatewayUrl: string;
  session: Session;
  /** The typed client of the gateway's REST API (generated from its OpenAPI document). */
  client: CubeClient;
  /** fetch with the caller's bearer, one refresh-and-retry on 401: for the native proxy and downloads. */
  fetch(input: Request): Promise<Response>;
}

/** Reads the error body of a failed response, whatever its content type. */
async function errorOf(response: Response) {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  return apiErrorOf(response.status, body, response.headers.get('retry-after'));
}

export function createApi(
  gatewayUrl: string,
  storage: SessionStorageLike,
  baseFetch: typeof fetch = (input, init) => fetch(input, init),
): Api {
  // Login, refresh and logout use a bare client: they must never trigger a refresh themselves.
  const bare = createClient<paths>({ baseUrl: gatewayUrl, fetch: (request) => baseFetch(request) });
  const session = new Session({
    storage,
    refresh: async (refreshToken): Promise<TokenPair> => {
      const { data, response } = await bare.POST('/api/v1/auth/refresh', { body: { refreshToken } });
      if (!data) throw await errorOf(response);
      return data;
    },
    revoke: async (refreshToken) => {
      const { response } = await bare.POST('/api/v1/auth/logout', { body: { refreshToken } });
      if (!response.ok && response.status !== 401) throw await errorOf(response);
    },
  });

  const authorizedFetch = async (request: Request): Promise<Response> => {
    const token = await session.token();
    const retry = request.clone();
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    const response = await baseFetch(request);
    if (response.status !== 401 || !token) return response;
    // The access token was refused (expired early, revoked, key rotated): renew once and retry.
    const renewed = await session.refresh();
    if (!renewed) return response;
    retry.headers.set('Authorization', `Bearer ${renewed}`);
    const second = await baseFetch(retry);
    if (second.status === 401) session.clear();
    return second;
  };

  return {
    gatewayUrl,
    session,
    client: createClient<paths>({ baseUrl: gatewayUrl, fetch: authorizedFetch }),
    fetch: authorizedFetch,
  };
}

/** The data of an openapi-fetch result, or its error as an ApiError (thrown for TanStack Query). */
export async function must<T>(result: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await result;
  if (response.ok) return data as T;
  throw apiErrorOf(response.status, error, response.headers.get('retry-after'));
}
