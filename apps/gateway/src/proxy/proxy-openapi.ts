import type { OpenAPIObject, OperationObject, PathItemObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { DNS_LABEL } from '@cube/contracts';
import { PROXY_PREFIX } from './kube-api-proxy';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;

const STATUS_SCHEMA = {
  type: 'object',
  description: 'A Kubernetes Status (meta/v1), as kube-apiserver answers errors',
  properties: {
    kind: { type: 'string', example: 'Status' },
    apiVersion: { type: 'string', example: 'v1' },
    metadata: { type: 'object' },
    status: { type: 'string', example: 'Failure' },
    message: { type: 'string' },
    reason: { type: 'string', example: 'NotFound' },
    code: { type: 'integer', example: 404 },
  },
} as const;

const statusResponse = (description: string) => ({ description, content: { 'application/json': { schema: STATUS_SCHEMA } } });

/**
 * The native API proxy is served below Nest's routing (bodies stream untouched), so Swagger does not
 * see it: its path is described here, once per HTTP method.
 */
export function addProxyPaths(document: OpenAPIObject): OpenAPIObject {
  const item: PathItemObject = {};
  for (const method of METHODS) {
    const operation: OperationObject = {
      operationId: `proxyKubernetesApi_${method}`,
      tags: ['proxy'],
      summary: 'Native Kubernetes API of a member cluster, as the caller',
      description:
        "Forwards {path} and the query string to the member kube-apiserver with Cube's credentials for the cluster and " +
        "Impersonate-User/Impersonate-Group for the caller (plus system:authenticated), so the member's RBAC decides, and " +
        "Impersonate-Extra-cube-request-id with the gateway's request id (X-Request-Id), so the member's own audit log names " +
        'the Cube request (see GET /api/v1/audit/events/{id}). ' +
        "The caller's Authorization, Impersonate-* and Cookie headers are never forwarded. Upstream statuses and bodies " +
        'pass through unchanged; watch=1 and follow=true responses stream. GET with Upgrade: websocket on pods/exec, ' +
        'pods/attach and pods/portforward is forwarded as a WebSocket (subprotocol negotiated with the member). ' +
        'Writes and exec/attach/portforward are audited. Errors of the proxy itself are Kubernetes Status bodies. ' +
        'Tenant-wide lists: when the member refuses the caller (403) a GET that lists or watches a namespaced resource ' +
        'across all namespaces (e.g. api/v1/pods, apis/apps/v1/deployments) or lists namespaces (api/v1/namespaces), ' +
        'the proxy answers instead with the union over the namespaces Cube lets the caller see in that cluster: each ' +
        "namespace asked with the caller's impersonation (a namespace the member refuses is left out), merged by " +
        'namespace then name, as a List or a Table (as=Table) like the member answers; labelSelector, fieldSelector and ' +
        'limit are honoured, and metadata.continue / metadata.resourceVersion are tokens of the proxy (a continue it did ' +
        'not issue is a 400). A watch merges one watch per namespace; its BOOKMARKs carry a resourceVersion of the ' +
        "proxy holding each namespace's own, and a watch from such a resourceVersion (or from a tenant-wide list's) " +
        'resumes each namespace where it was. Namespaces are listed, not watched. With no visible namespace, or when ' +
        "every one is refused too, the member's 403 stands. Callers the member allows the cluster-wide request get its " +
        'answer unchanged.',
      security: [{ bearer: [] }],
      parameters: [
        {
          name: 'cluster',
          in: 'path',
          required: true,
          schema: { type: 'string', pattern: DNS_LABEL.source, maxLength: 63 },
          description: 'Registered cluster name; anything else is 404 (a Status body, as kube-apiserver answers a path it does not serve)',
        },
        {
          name: 'path',
          in: 'path',
          required: true,
          schema: { type: 'string' },
          description: 'Kubernetes API path, slashes included (e.g. api/v1/namespaces/default/pods)',
        },
      ],
      ...(method === 'get' || method === 'head' || method === 'delete' || method === 'options'
        ? {}
        : {
            requestBody: {
              required: false,
              content: { '*/*': { schema: { type: 'string', format: 'binary' } } },
              description: 'Passed through; at most CUBE_PROXY_MAX_BODY_BYTES (3 MiB by default)',
            },
          }),
      responses: {
        default: { description: "The member kube-apiserver's answer, unchanged" },
        '101': { description: 'Switching Protocols: a WebSocket stream to the member (exec, attach, port-forward)' },
        '400': statusResponse('A "." or ".." segment in the path'),
        '401': statusResponse('Missing or invalid Cube token'),
        '404': statusResponse('No such cluster, or not a cluster name'),
        '413': statusResponse('Request body over the limit'),
        '503': statusResponse('Cluster not normal or not reachable'),
      },
    };
    item[method] = operation;
  }
  document.paths[`${PROXY_PREFIX}{cluster}/{path}`] = item;
  return document;
}
