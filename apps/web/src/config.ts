/**
 * Runtime configuration, read from /config.json next to index.html: one build serves every
 * environment; the host edits this file (an empty gatewayUrl means "same origin", as in development).
 */
export interface RuntimeConfig {
  /** Base URL of the Cube gateway, e.g. https://cube.example.com, without a trailing slash. */
  gatewayUrl: string;
}

export async function loadRuntimeConfig(fetchFn: typeof fetch = fetch): Promise<RuntimeConfig> {
  const response = await fetchFn(`${import.meta.env.BASE_URL}config.json`, { cache: 'no-store' });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  const raw = (await response.json()) as Partial<RuntimeConfig>;
  const gatewayUrl = typeof raw.gatewayUrl === 'string' ? raw.gatewayUrl.replace(/\/+$/, '') : '';
  return { gatewayUrl };
}
