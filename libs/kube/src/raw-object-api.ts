import { request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { ApiException, HttpMethod, KubeConfig, KubernetesObject, KubernetesObjectApi, RequestContext } from '@kubernetes/client-node';

/**
 * KubernetesObjectApi sending and reading objects as JSON, as the API server speaks it. client-node's
 * own apply and list pass objects through its model classes, which rename fields (a NetworkPolicy
 * rule's `from` is `_from` there, a CRD schema's `x-kubernetes-*` are camel-cased): an object applied
 * through them loses those fields — a NetworkPolicy's `from` dropped allows all ingress — and a
 * listed one cannot be compared with what is desired.
 */
export class RawObjectApi extends KubernetesObjectApi {
  static forConfig(kubeConfig: KubeConfig): RawObjectApi {
    const client = kubeConfig.makeApiClient(RawObjectApi);
    client.setDefaultNamespace(kubeConfig);
    return client;
  }

  /** Server-side apply of `object` as it is, under `fieldManager`, taking over conflicting fields. */
  async applyRaw(object: KubernetesObject, fieldManager: string): Promise<KubernetesObject> {
    const context = this.configuration.baseServer.makeRequestContext(await this.specUriPath(object, 'patch'), HttpMethod.PATCH);
    context.setHeaderParam('Content-Type', 'application/apply-patch+yaml');
    context.setQueryParam('fieldManager', fieldManager);
    context.setQueryParam('force', 'true');
    context.setBody(JSON.stringify(object));
    return JSON.parse(await this.send(context)) as KubernetesObject;
  }

  /** Every object of a kind, in all namespaces, matching `labelSelector`; each with its apiVersion and kind. */
  async listRaw(apiVersion: string, kind: string, labelSelector: string): Promise<KubernetesObject[]> {
    const context = this.configuration.baseServer.makeRequestContext(
      await this.specUriPath({ apiVersion, kind, metadata: {} }, 'list'),
      HttpMethod.GET,
    );
    context.setQueryParam('labelSelector', labelSelector);
    const list = JSON.parse(await this.send(context)) as { items?: KubernetesObject[] };
    return (list.items ?? []).map((item) => ({ ...item, apiVersion, kind }));
  }

  /**
   * Sends with the kubeconfig's credentials (and its agent: a PooledKubeConfig's keeps connections
   * alive) straight over node:https — client-node's fetch and middleware chain cost more CPU than the
   * apply itself. A non-2xx answer throws the ApiException client-node throws.
   */
  private async send(context: RequestContext): Promise<string> {
    context.setHeaderParam('Accept', 'application/json');
    await this.configuration.authMethods.default?.applySecurityAuthentication(context);
    const { status, text, headers } = await exchange(context);
    if (status >= 200 && status <= 299) return text;
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not a Status: keep the text.
    }
    throw new ApiException(status, 'Unsuccessful HTTP Request', body, headers);
  }
}

function exchange(context: RequestContext): Promise<{ status: number; text: string; headers: Record<string, string> }> {
  const url = new URL(context.getUrl());
  const body = context.getBody();
  const payload = typeof body === 'string' ? body : undefined;
  const headers: Record<string, string | number> = { ...context.getHeaders() };
  if (payload !== undefined) headers['Content-Length'] = Buffer.byteLength(payload);
  const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: context.getHttpMethod(), headers, agent: context.getAgent() as HttpsAgent | undefined }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          text: Buffer.concat(chunks).toString('utf8'),
          headers: Object.fromEntries(Object.entries(res.headers).map(([name, value]) => [name, String(value)])),
        }),
      );
    });
    req.on('error', reject);
    req.end(payload);
  });
}
