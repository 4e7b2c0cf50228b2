import type { Api } from '../api/api';
import { apiErrorOf } from '../api/api-error';

/**
 * Downloads the caller's kubeconfig (one cluster, or every cluster the caller reaches). Each download
 * mints an API token, named here by date so two downloads do not collide (the API answers 409 then).
 */
export async function downloadKubeconfig(api: Api, cluster?: string): Promise<void> {
  const tokenName = `console-${cluster ?? 'all'}-${new Date()
    .toISOString()
    .replace(/[^0-9]/g, '')
    .slice(0, 14)}`;
  const path = cluster ? `/api/v1/clusters/${encodeURIComponent(cluster)}/kubeconfig` : '/api/v1/kubeconfig';
  const response = await api.fetch(new Request(`${api.gatewayUrl}${path}?${new URLSearchParams({ tokenName }).toString()}`));
  const text = await response.text();
  if (!response.ok) throw apiErrorOf(response.status, safeJson(text));
  const url = URL.createObjectURL(new Blob([text], { type: 'application/yaml' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = cluster ? `${cluster}.kubeconfig` : 'cube.kubeconfig';
  link.click();
  URL.revokeObjectURL(url);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
