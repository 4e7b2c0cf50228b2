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

  /** Sends with the kubeconfig's credentials; a non-2xx answer throws the ApiException client-node throws. */
  private async send(context: RequestContext): Promise<string> {
    context.setHeaderParam('Accept', 'application/json');
    await this.configuration.authMethods.default?.applySecurityAuthentication(context);
    const response = await this.configuration.httpApi.send(context).toPromise();
    const text = await response.body.text();
    if (response.httpStatusCode >= 200 && response.httpStatusCode <= 299) return text;
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not a Status: keep the text.
    }
    throw new ApiException(response.httpStatusCode, 'Unsuccessful HTTP Request', body, response.headers);
  }
}
