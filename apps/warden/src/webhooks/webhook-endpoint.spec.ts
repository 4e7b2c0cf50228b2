import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubernetesObjectApi } from '@kubernetes/client-node';
import { QUOTA_WEBHOOK_PATH, TenantLedgerEntry } from '@cube/contracts';
import {
  applyObject,
  CUBE_FIELD_MANAGER,
  makeWebhookCertificates,
  parseKubeconfig,
  QUOTA_WEBHOOK_CONFIGURATION,
  quotaWebhookConfiguration,
  RawObjectApi,
  WebhookCertificates,
} from '@cube/kube';
import { KubeServer, startKubeServer } from '@cube/testing';
import { quotaAdmission } from '../admission/quota-admission';
import { WardenStartError } from '../agent/warden-start-error';
import { pointQuotaWebhookAt, webhookUrls, writeAuthnWebhookKubeconfig } from './webhook-endpoint';
import { WebhookServer } from './webhook-server';

interface Vwc {
  metadata: { resourceVersion?: string };
  webhooks: { clientConfig: { url?: string; service?: unknown; caBundle?: string } }[];
}

describe('webhook URLs of a Warden outside its cluster', () => {
  let certs: WebhookCertificates;
  beforeAll(async () => {
    certs = await makeWebhookCertificates(['cube-warden.cube-system.svc', 'localhost']);
  });

  it('goes through the Service in the Pod and through its own loopback address outside', () => {
    expect(webhookUrls({ kind: 'service' }, 8443, certs.cert)).toBeNull();
    expect(webhookUrls({ kind: 'loopback' }, 40123, certs.cert)).toEqual({
      base: 'https://127.0.0.1:40123',
      tokenReview: 'https://127.0.0.1:40123/authenticate',
      quota: `https://127.0.0.1:40123${QUOTA_WEBHOOK_PATH}`,
    });
  });

  it('takes a given URL the serving certificate is valid for, and refuses one it is not', () => {
    expect(webhookUrls({ kind: 'url', url: 'https://localhost:9443/warden' }, 40123, certs.cert)?.tokenReview).toBe(
      'https://localhost:9443/warden/authenticate',
    );
    expect(() => webhookUrls({ kind: 'url', url: 'https://warden.example.com' }, 40123, certs.cert)).toThrow(WardenStartError);
    expect(() => webhookUrls({ kind: 'url', url: 'https://warden.example.com' }, 40123, certs.cert)).toThrow(
      'not valid for "warden.example.com"',
    );
  });
});

describe('pointing the quota webhook at Warden by URL', () => {
  let member: KubeServer;
  let certs: WebhookCertificates;
  let server: WebhookServer;
  let dir: string;
  const ledger: TenantLedgerEntry[] = [
    { tenant: 'acme', cluster: 'm', hard: { 'requests.cpu': '2' }, namespaces: { 'acme-a': { 'requests.cpu': '1' } }, version: 1 },
  ];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'webhook-endpoint-'));
    member = await startKubeServer({ name: 'webhook-endpoint' });
    certs = await makeWebhookCertificates(['cube-warden.cube-system.svc', 'localhost']);
    server = await WebhookServer.start({
      cert: certs.cert,
      key: certs.key,
      port: 0,
      host: '127.0.0.1',
      routes: {
        [QUOTA_WEBHOOK_PATH]: quotaAdmission({
          ledger: () => ledger,
          trustedUsers: () => new Set(['kubernetes-admin', 'admin']),
          fieldManager: 'cube-warden',
        }),
      },
    });
    // As registration leaves it: by Service reference, under the manager `cube`.
    const objects = RawObjectApi.forConfig(parseKubeconfig(member.kubeconfig));
    await applyObject(objects, quotaWebhookConfiguration({ service: true }, certs.caCert), CUBE_FIELD_MANAGER);
    await parseKubeconfig(member.kubeconfig)
      .makeApiClient(CoreV1Api)
      .createNamespace({ body: { metadata: { name: 'acme-a', labels: { 'cube.io/tenant': 'acme' } } } });
  });
  afterAll(async () => {
    await server?.stop();
    await member?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const readVwc = async () =>
    (await KubernetesObjectApi.makeApiClient(parseKubeconfig(member.kubeconfig)).read({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: QUOTA_WEBHOOK_CONFIGURATION },
    })) as unknown as Vwc;

  it('replaces the Service reference with the URL and the CA, and applying again changes nothing', async () => {
    const urls = webhookUrls({ kind: 'loopback' }, server.port, certs.cert);
    if (!urls) throw new Error('a loopback endpoint has URLs');
    await pointQuotaWebhookAt(parseKubeconfig(member.kubeconfig), urls, certs.caCert);
    const pointed = await readVwc();
    expect(pointed.webhooks).toHaveLength(1);
    expect(pointed.webhooks[0]?.clientConfig).toEqual({ url: urls.quota, caBundle: Buffer.from(certs.caCert).toString('base64') });
    await pointQuotaWebhookAt(parseKubeconfig(member.kubeconfig), urls, certs.caCert);
    expect((await readVwc()).metadata.resourceVersion).toBe(pointed.metadata.resourceVersion);
  });

  it('lets the apiserver reach Warden: its own apply passes, the same user under another manager is judged', async () => {
    const core = parseKubeconfig(member.kubeconfig).makeApiClient(CoreV1Api);
    const body = (cpu: string) => ({ metadata: { name: 'cube-quota' }, spec: { hard: { 'requests.cpu': cpu } } });
    await core.createNamespacedResourceQuota({ namespace: 'acme-a', body: body('1'), fieldManager: 'cube-warden' });
    const refused = await core
      .replaceNamespacedResourceQuota({ namespace: 'acme-a', name: 'cube-quota', body: body('5'), fieldManager: 'kubectl-edit' })
      .then(
        () => null,
        (error: { code?: number; body?: string }) => error,
      );
    expect(refused?.code).toBe(403);
    expect(String(refused?.body)).toContain('admission webhook \\"resourcequotas.warden.cube.io\\" denied the request');
  });

  it("writes the kube-apiserver's TokenReview webhook kubeconfig with the URL and the CA", async () => {
    const urls = webhookUrls({ kind: 'loopback' }, server.port, certs.cert);
    if (!urls) throw new Error('a loopback endpoint has URLs');
    const file = await writeAuthnWebhookKubeconfig(dir, urls, certs.caCert);
    const config = parseKubeconfig(await readFile(file, 'utf8'));
    expect(config.getCurrentCluster()?.server).toBe(`https://127.0.0.1:${server.port}/authenticate`);
    expect(Buffer.from(config.getCurrentCluster()?.caData ?? '', 'base64').toString()).toBe(certs.caCert);
  });
});
