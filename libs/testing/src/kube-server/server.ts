// startKubeServer: one Kubernetes API test server (one "cluster") over HTTPS. Requests go through
// authenticate → authorize → admission → storage, like kube-apiserver's handler chain.
import type { ProcessImage } from './process-containers';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:https';
import { IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { AuditRecorder, AuditWebhookBackend, AuditWebhookOptions } from './audit-sink';
import {
  AuthenticationChain,
  AuthnWebhookOptions,
  clientCertificateAuthenticator,
  readTokenFile,
  staticTokenAuthenticator,
  TokenAuthenticator,
  webhookTokenAuthenticator,
} from './authn';
import { ClientCertificate, issueClientCertificate, makeServingCertificates, ServingCertificates } from './certs';
import { Controllers } from './controllers';
import { CrdController } from './crds';
import { isPodStreamRequest, PodStreams, upgradeResponse } from './exec';
import {
  aggregatedDiscovery,
  AGGREGATED_DISCOVERY_CONTENT_TYPE,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  VERSION_INFO,
  wantsAggregatedDiscovery,
} from './discovery';
import { forbiddenStatusError as forbidden } from './forbidden';
import { sendError, sendJson } from './http-util';
import { impersonationFilter } from './impersonation';
import { adminKubeconfig, KubeconfigCredentials, userKubeconfig } from './kubeconfig';
import { ObjectApi } from './object-api';
import { openApiV2, openApiV3Document, openApiV3Index } from './openapi';
import { patchAlgorithms } from './patch-algorithms';
import { PatchAlgorithms } from './patch-contract';
import {
  AdmissionPlugin,
  Authenticator,
  Authorizer,
  Impersonator,
  parseRequestInfo,
  RequestContext,
  RequestInfo,
  UserInfo,
} from './pipeline';
import { resourceQuotaAdmission } from './quota-admission';
import { rbacAuthorizer } from './rbac';
import { bootstrapRbacPolicy } from './rbac-bootstrap';
import { rbacEscalationAdmission } from './rbac-escalation';
import { PodLogs } from './pod-logs';
import { ContainerRuntime } from './pod-runtime';
import { ResourceRegistry } from './resources';
import { RestHandler } from './rest';
import { ServiceAccountTokens } from './service-account-tokens';
import { ApiError, errors } from './status';
import { ObjectStore, StoreSnapshot } from './store';
import { webhookAdmission, WebhookAdmissionOptions } from './webhooks';

export interface KubeServerOptions {
  /** Cluster name: used in the kubeconfig and for the node. */
  name: string;
  port?: number;
  host?: string;
  /** Persist objects, certificates and the admin token here across restarts. */
  stateFile?: string;
  /** Also write the admin kubeconfig to this path. */
  kubeconfigPath?: string;
  /** Pluggable pipeline stages (part 2: RBAC, impersonation, webhooks). */
  authenticator?: Authenticator;
  authorizer?: Authorizer;
  impersonator?: Impersonator;
  admission?: AdmissionPlugin[];
  /** Built-in admission after `admission`: webhooks (default on) then ResourceQuota (default on). */
  webhooks?: boolean | WebhookAdmissionOptions;
  resourceQuota?: boolean;
  patch?: PatchAlgorithms;
  /** Watch bookmark period; the real watch cache sends one about every minute. */
  bookmarkIntervalMs?: number;
  /** Events kept for watch and consistent pagination (the watch cache window). */
  historyLimit?: number;
  /** --token-file: CSV `token,user,uid,"group1,group2"` of extra static bearer tokens. */
  tokenFile?: string;
  /** --anonymous-auth: requests without credentials become system:anonymous (off by default). */
  anonymous?: boolean;
  /** --authentication-token-webhook: TokenReview call-out for tokens no other authenticator knows. */
  authnWebhook?: AuthnWebhookOptions;
  /** --audit-webhook-config-file: EventList batches of every request's audit events. */
  auditWebhook?: AuditWebhookOptions;
  /** Test-only: containers of these images run their shells as local processes (CloudShell e2e). */
  processImages?: Record<string, ProcessImage>;
}

export interface KubeServer {
  url: string;
  kubeconfig: string;
  kubeconfigPath?: string;
  adminToken: string;
  caCert: string;
  /** In-process access to the server's objects (for tests that seed or inspect state). */
  api: ObjectApi;
  registry: ResourceRegistry;
  /** Resolves when the built-in controllers have no queued work. */
  settled(): Promise<void>;
  /** A client certificate signed by the cluster CA: CN = user, O = groups. */
  issueClientCertificate(user: string, groups?: string[]): Promise<ClientCertificate>;
  /** A kubeconfig for this cluster with the given token or client certificate. */
  kubeconfigFor(credentials: KubeconfigCredentials): string;
  /** Records output of a pod's container, as if it had written it (served by pods/log, -f included). */
  appendLog(namespace: string, pod: string, container: string | undefined, text: string): void;
  stop(): Promise<void>;
}

interface PersistedState {
  certs: ServingCertificates;
  adminToken: string;
  /** The service-account token signing key (PKCS#8 PEM). */
  serviceAccountKey?: string;
  store: StoreSnapshot;
}

const PUBLIC_PATHS = new Set(['/version', '/healthz', '/livez', '/readyz']);

export const ADMIN_USER: UserInfo = {
  username: 'kubernetes-admin',
  groups: ['system:masters', 'system:authenticated'],
};

export async function startKubeServer(options: KubeServerOptions): Promise<KubeServer> {
  const saved: PersistedState | undefined =
    options.stateFile && existsSync(options.stateFile)
      ? (JSON.parse(readFileSync(options.stateFile, 'utf8')) as PersistedState)
      : undefined;
  const certs = saved?.certs ?? (await makeServingCertificates(options.name));
  const adminToken = saved?.adminToken ?? randomBytes(24).toString('hex');
  const registry = new ResourceRegistry();
  const store = new ObjectStore(options.historyLimit ?? 2000, saved?.store);
  let nextIp = 1;
  // RBAC escalation prevention is put first below, before the caller's admission plugins.
  const admission = [...(options.admission ?? [])];
  const api = new ObjectApi(store, registry, admission, () => `10.96.${Math.floor(++nextIp / 250)}.${(nextIp % 250) + 1}`);
  // kube-apiserver's order: ... MutatingAdmissionWebhook, ValidatingAdmissionWebhook, ResourceQuota.
  if (options.webhooks !== false) admission.push(webhookAdmission(api, typeof options.webhooks === 'object' ? options.webhooks : {}));
  if (options.resourceQuota !== false) admission.push(resourceQuotaAdmission({ api }));
  const tokens = new Map<string, UserInfo>([[adminToken, ADMIN_USER]]);
  if (options.tokenFile) for (const [t, u] of readTokenFile(options.tokenFile)) tokens.set(t, u);
  const serviceAccounts = new ServiceAccountTokens(saved?.serviceAccountKey, () => persist());
  const tokenAuthenticators: TokenAuthenticator[] = [staticTokenAuthenticator(tokens), serviceAccounts.authenticator(api)];
  if (options.authnWebhook) tokenAuthenticators.push(webhookTokenAuthenticator(options.authnWebhook));
  const chain = new AuthenticationChain({
    clientCertificates: clientCertificateAuthenticator(certs.caCert),
    tokens: tokenAuthenticators,
    anonymous: options.anonymous,
  });
  const authenticate = options.authenticator ?? chain.authenticate;
  const authorize = options.authorizer ?? rbacAuthorizer(api);
  admission.unshift(rbacEscalationAdmission(api, authorize));
  const impersonate = options.impersonator ?? impersonationFilter;
  const nodeName = `${options.name}-control-plane`;
  const controllers = new Controllers(api, { caCert: certs.caCert, nodeName });
  const crds = new CrdController(api);
  crds.start();
  controllers.start();
  if (!saved) await bootstrap(api, nodeName);
  await controllers.idle();
  // The watch window starts after bootstrap, as a real watch cache starts after etcd holds data.
  if (!saved) store.resetHistory();

  const podLogs = new PodLogs(api);
  const runtime = new ContainerRuntime(api, podLogs);
  const podStreams = new PodStreams(api, runtime, options.processImages);
  const rest = new RestHandler({
    api,
    patch: options.patch ?? patchAlgorithms,
    authorize,
    authenticateToken: (token, audiences) =>
      options.authenticator ? reviewWith(options.authenticator, token, audiences) : chain.authenticateToken(token, audiences),
    createToken: (namespace, name, body) => serviceAccounts.tokenRequest(api, namespace, name, body),
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
    podLogs,
  });

  let serverAddress = '';
  /**
   * Authentication, impersonation and authorization: the filters in front of every handler
   * (also used for upgrade requests). Returns the user the request is served as.
   */
  const authenticateRequest = async (req: IncomingMessage, ctx: RequestContext): Promise<UserInfo> => {
    const user = await authenticate(req);
    if (!user) throw errors.unauthorized();
    ctx.user = user;
    const effective = await impersonate(req, user, authorize);
    if (effective !== user) ctx.impersonatedUser = effective;
    const decision = await authorize(effective, ctx.info);
    ctx.authorization = decision;
    if (!decision.allowed) throw forbidden(effective, ctx.info, decision.reason);
    return effective;
  };

  const newContext = (req: IncomingMessage, url: URL): RequestContext => {
    const sent = req.headers['audit-id'];
    return {
      auditId: typeof sent === 'string' && sent ? sent : randomUUID(),
      received: new Date(),
      info: parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams),
    };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, ctx: RequestContext) => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const info = ctx.info;
    if (!PUBLIC_PATHS.has(url.pathname)) {
      const user = await authenticateRequest(req, ctx);
      if (isPodStreamRequest(info)) return podStreams.serveHttp(req, res, info, user);
      if (info.isResourceRequest) return rest.handle(req, res, url, info, user);
    }
    return nonResource(req, res, url, info);
  };

  const nonResource = (req: IncomingMessage, res: ServerResponse, url: URL, info: RequestInfo) => {
    const p = url.pathname.replace(/\/$/, '') || '/';
    const accept = req.headers.accept;
    if (p === '/version') return sendJson(res, 200, VERSION_INFO);
    if (p === '/healthz' || p === '/livez' || p === '/readyz') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      return res.end('ok');
    }
    if (p === '/api') {
      if (wantsAggregatedDiscovery(accept))
        return sendJson(res, 200, aggregatedDiscovery(registry, true), AGGREGATED_DISCOVERY_CONTENT_TYPE);
      return sendJson(res, 200, apiVersions(serverAddress));
    }
    if (p === '/apis') {
      if (wantsAggregatedDiscovery(accept))
        return sendJson(res, 200, aggregatedDiscovery(registry, false), AGGREGATED_DISCOVERY_CONTENT_TYPE);
      return sendJson(res, 200, apiGroupList(registry));
    }
    if (p === '/openapi/v2') return sendJson(res, 200, openApiV2(registry));
    if (p === '/openapi/v3') return sendJson(res, 200, openApiV3Index(registry));
    if (p.startsWith('/openapi/v3/')) {
      const doc = openApiV3Document(registry, p.slice('/openapi/v3/'.length));
      if (doc) return sendJson(res, 200, doc);
      throw errors.notFoundPath();
    }
    if (info.apiPrefix === 'api' && info.apiVersion && !info.isResourceRequest) {
      const list = apiResourceList(registry, '', info.apiVersion);
      if (list) return sendJson(res, 200, list);
    }
    if (info.apiPrefix === 'apis' && info.apiGroup && !info.isResourceRequest) {
      if (!info.apiVersion) {
        const g = apiGroup(registry, info.apiGroup);
        if (g) return sendJson(res, 200, g);
      } else {
        const list = apiResourceList(registry, info.apiGroup, info.apiVersion);
        if (list) return sendJson(res, 200, list);
      }
    }
    throw errors.notFoundPath();
  };

  const auditBackend = options.auditWebhook && new AuditWebhookBackend(options.auditWebhook);
  const audit = auditBackend && new AuditRecorder(auditBackend, options.auditWebhook ?? { url: '' });
  const fail = (res: ServerResponse, e: unknown) => {
    const err = e instanceof ApiError ? e : errors.internal(e instanceof Error ? e.message : String(e));
    if (!(e instanceof ApiError)) console.error('kube-server: internal error', e);
    if (res.headersSent) res.end();
    else sendError(res, err);
  };

  const sockets = new Set<Socket>();
  const server: Server = createServer(
    // Client certificates are asked for and checked by the x509 authenticator, not by TLS.
    {
      cert: certs.cert,
      key: certs.key,
      ca: certs.caCert,
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const ctx = newContext(req, new URL(req.url ?? '/', 'https://localhost'));
      res.setHeader('Audit-Id', ctx.auditId);
      audit?.observe(req, res, ctx);
      handle(req, res, ctx).catch((e: unknown) => fail(res, e));
    },
  );
  // Upgrade requests: pods/exec and attach over WebSocket (SPDY is refused); a failed upgrade is
  // answered with the Status as an ordinary response, and other paths are served without upgrading.
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const ctx = newContext(req, new URL(req.url ?? '/', 'https://localhost'));
    let res: ServerResponse | undefined;
    const respond = () => {
      if (!res) {
        res = upgradeResponse(req, socket);
        res.setHeader('Audit-Id', ctx.auditId);
        audit?.observe(req, res, ctx);
      }
      return res;
    };
    const serve = async () => {
      if (!isPodStreamRequest(ctx.info)) return handle(req, respond(), ctx);
      const user = await authenticateRequest(req, ctx);
      return podStreams.connect(req, socket, head, ctx.info, user, respond, {
        headers: { 'Audit-Id': ctx.auditId },
        then: () => audit?.observeUpgraded(req, socket, ctx),
      });
    };
    serve().catch((e: unknown) => fail(respond(), e));
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  serverAddress = `${host}:${port}`;
  const url = `https://${host}:${port}`;
  const kubeconfig = adminKubeconfig({
    name: options.name,
    url,
    caCert: certs.caCert,
    token: adminToken,
  });
  if (options.kubeconfigPath) writeFileSync(options.kubeconfigPath, kubeconfig, { mode: 0o600 });

  let stopped = false;
  const persist = () => {
    if (!options.stateFile || stopped) return;
    const state: PersistedState = {
      certs,
      adminToken,
      serviceAccountKey: serviceAccounts.privateKeyPem,
      store: store.snapshot(),
    };
    writeFileSync(options.stateFile, JSON.stringify(state));
  };
  let persistQueued = false;
  const unsubscribePersist = store.subscribe(() => {
    if (persistQueued || !options.stateFile) return;
    persistQueued = true;
    setImmediate(() => {
      persistQueued = false;
      persist();
    });
  });
  persist();

  return {
    url,
    kubeconfig,
    kubeconfigPath: options.kubeconfigPath,
    adminToken,
    caCert: certs.caCert,
    api,
    registry,
    settled: () => controllers.idle(),
    issueClientCertificate: (user, groups) => {
      const caKey = certs.caKey;
      if (!caKey) throw new Error('the state file predates client certificates: its CA key is not kept');
      return issueClientCertificate({ caCert: certs.caCert, caKey }, user, groups);
    },
    kubeconfigFor: (credentials) =>
      userKubeconfig({
        name: options.name,
        url,
        caCert: certs.caCert,
        credentials,
      }),
    appendLog: (namespace, pod, container, text) => podLogs.appendByName(namespace, pod, container, text),
    stop: async () => {
      controllers.stop();
      podStreams.stop();
      runtime.stop();
      podLogs.stop();
      crds.stop();
      unsubscribePersist();
      persist();
      stopped = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      // Responses cut by the shutdown report their end a few turns later; then flush the batches.
      await audit?.drained(1000);
      await auditBackend?.stop();
    },
  };
}

/** TokenReview through a replacement authenticator: a request carrying nothing but the token. */
async function reviewWith(
  authenticate: Authenticator,
  token: string,
  audiences: string[],
): Promise<{ user?: UserInfo; audiences?: string[]; error?: string }> {
  const fake = {
    headers: { authorization: `Bearer ${token}` },
    socket: {},
  } as unknown as IncomingMessage;
  const user = await authenticate(fake);
  return user ? { user, audiences } : { error: 'invalid bearer token' };
}

/** The objects a fresh kubeadm-like cluster has before anyone uses it. */
async function bootstrap(api: ObjectApi, nodeName: string): Promise<void> {
  const system = { manager: 'kube-apiserver', user: ADMIN_USER };
  const t = (group: string, plural: string) => {
    const r = api.registry.findAnyVersion(group, plural);
    if (!r) throw new Error(`missing ${plural}`);
    return r;
  };
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease'])
    await api.create(t('', 'namespaces'), undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, system);
  await bootstrapRbacPolicy(api, ADMIN_USER);
  await api.create(
    t('', 'services'),
    'default',
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'kubernetes',
        labels: { component: 'apiserver', provider: 'kubernetes' },
      },
      spec: {
        clusterIP: '10.96.0.1',
        ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }],
        type: 'ClusterIP',
      },
    },
    system,
  );
  const node = await api.create(
    t('', 'nodes'),
    undefined,
    {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: nodeName,
        labels: {
          'beta.kubernetes.io/arch': 'amd64',
          'beta.kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'kubernetes.io/hostname': nodeName,
          'kubernetes.io/os': 'linux',
          'node-role.kubernetes.io/control-plane': '',
        },
      },
      spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] },
    },
    { manager: 'kubelet', user: ADMIN_USER },
  );
  const ts = node.metadata.creationTimestamp;
  const capacity = {
    cpu: '8',
    'ephemeral-storage': '102626232Ki',
    memory: '16331972Ki',
    pods: '110',
  };
  await api.update(
    t('', 'nodes'),
    undefined,
    nodeName,
    {
      ...node,
      status: {
        capacity,
        allocatable: capacity,
        conditions: [
          {
            type: 'MemoryPressure',
            status: 'False',
            lastHeartbeatTime: ts,
            lastTransitionTime: ts,
            reason: 'KubeletHasSufficientMemory',
            message: 'kubelet has sufficient memory available',
          },
          {
            type: 'DiskPressure',
            status: 'False',
            lastHeartbeatTime: ts,
            lastTransitionTime: ts,
            reason: 'KubeletHasNoDiskPressure',
            message: 'kubelet has no disk pressure',
          },
          {
            type: 'PIDPressure',
            status: 'False',
            lastHeartbeatTime: ts,
            lastTransitionTime: ts,
            reason: 'KubeletHasSufficientPID',
            message: 'kubelet has sufficient PID available',
          },
          {
            type: 'Ready',
            status: 'True',
            lastHeartbeatTime: ts,
            lastTransitionTime: ts,
            reason: 'KubeletReady',
            message: 'kubelet is posting ready status',
          },
        ],
        addresses: [
          { type: 'InternalIP', address: '172.18.0.2' },
          { type: 'Hostname', address: nodeName },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: {
          machineID: '',
          systemUUID: '',
          bootID: '',
          kernelVersion: '6.1.0',
          osImage: 'Debian GNU/Linux 12 (bookworm)',
          containerRuntimeVersion: 'containerd://1.7.24',
          kubeletVersion: 'v1.32.13',
          kubeProxyVersion: 'v1.32.13',
          operatingSystem: 'linux',
          architecture: 'amd64',
        },
      },
    },
    { manager: 'kubelet', user: ADMIN_USER, subresource: 'status' },
  );
}
