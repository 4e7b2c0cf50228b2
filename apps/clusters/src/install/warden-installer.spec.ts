import { KubernetesObjectApi } from '@kubernetes/client-node';
import { parseKubeconfig } from '@cube/kube';
import { KubeServer, startKubeServer, workloadHardeningViolations } from '@cube/testing';
import { CUBE_FIELD_MANAGER, WardenInstaller } from './warden-installer';
import { QUOTA_WEBHOOK_CONFIGURATION } from './warden-manifests';

describe('installing Warden into a member cluster', () => {
  let member: KubeServer;
  const installer = new WardenInstaller();
  const settings = { clusterId: 'member-a', natsUrl: 'nats://nats.example:4222', natsToken: 'sealed-elsewhere' };

  beforeAll(async () => {
    member = await startKubeServer({ name: 'member-a' });
  });
  afterAll(async () => {
    await member?.stop();
  });

  const read = (apiVersion: string, kind: string, name: string, namespace?: string) =>
    KubernetesObjectApi.makeApiClient(parseKubeconfig(member.kubeconfig))
      .read({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } })
      .then(
        (object) =>
          object as unknown as Record<string, unknown> & { metadata: { managedFields?: { manager: string }[]; resourceVersion?: string } },
        () => null,
      );

  it('applies every object server-side as "cube", and applying again changes nothing', async () => {
    const config = parseKubeconfig(member.kubeconfig);
    await installer.install(config, settings, 'cube:test');
    const deployment = await read('apps/v1', 'Deployment', 'cube-warden', 'cube-system');
    expect(deployment?.metadata.managedFields?.map((f) => f.manager)).toContain(CUBE_FIELD_MANAGER);

    const secret = (await read('v1', 'Secret', 'cube-warden', 'cube-system')) as { data: Record<string, string> } | null;
    expect(Buffer.from(secret?.data['clusterId'] ?? '', 'base64').toString()).toBe('member-a');
    expect(Buffer.from(secret?.data['natsUrl'] ?? '', 'base64').toString()).toBe('nats://nats.example:4222');

    const webhook = (await read('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', QUOTA_WEBHOOK_CONFIGURATION)) as {
      webhooks: { clientConfig: { caBundle: string; service: { name: string; namespace: string } } }[];
    } | null;
    const tls = (await read('v1', 'Secret', 'cube-warden-webhook-tls', 'cube-system')) as { data: Record<string, string> } | null;
    expect(webhook?.webhooks[0]?.clientConfig.service).toMatchObject({ name: 'cube-warden', namespace: 'cube-system' });
    expect(webhook?.webhooks[0]?.clientConfig.caBundle).toBe(tls?.data['ca.crt']);

    const role = await read('rbac.authorization.k8s.io/v1', 'ClusterRole', 'cube-warden');
    const before = role?.metadata.resourceVersion;
    await installer.install(config, settings, 'cube:test');
    expect((await read('rbac.authorization.k8s.io/v1', 'ClusterRole', 'cube-warden'))?.metadata.resourceVersion).toBe(before);
  });

  it('installs a Deployment as hardened as the control plane: probes, limits, non-root, read-only, no capabilities, seccomp', async () => {
    await installer.install(parseKubeconfig(member.kubeconfig), settings, 'cube:test');
    const deployment = await read('apps/v1', 'Deployment', 'cube-warden', 'cube-system');
    expect(deployment).not.toBeNull();
    expect(workloadHardeningViolations(deployment as Parameters<typeof workloadHardeningViolations>[0])).toEqual([]);
  });

  it('removes what it installed', async () => {
    expect(await installer.uninstall(parseKubeconfig(member.kubeconfig), 'member-a')).toBe(true);
    await member.settled();
    expect(await read('rbac.authorization.k8s.io/v1', 'ClusterRole', 'cube-warden')).toBeNull();
    expect(await read('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', QUOTA_WEBHOOK_CONFIGURATION)).toBeNull();
  });
});

describe('removing Warden from a cluster that is gone', () => {
  it('gives up at the first unreachable call instead of trying every object', async () => {
    const member = await startKubeServer({ name: 'gone' });
    const config = parseKubeconfig(member.kubeconfig);
    await member.stop();
    const started = Date.now();
    expect(await new WardenInstaller().uninstall(config, 'gone', 2000)).toBe(false);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
