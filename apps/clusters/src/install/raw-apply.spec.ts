import { KubernetesObject } from '@kubernetes/client-node';
import { applyObject, CUBE_FIELD_MANAGER, parseKubeconfig, RawObjectApi } from '@cube/kube';
import { KubeServer, startKubeServer } from '@cube/testing';

// Every server-side apply of libs/kube (Warden's install, the audit token Secret, the quota webhook)
// sends the object's own JSON. client-node's models rename or drop fields they do not know: a
// NetworkPolicy rule's `from` is `_from` there, so an apply through them stored an allow-all rule.
describe('applyObject sends the object as it is', () => {
  let member: KubeServer;
  let client: RawObjectApi;

  beforeAll(async () => {
    member = await startKubeServer({ name: 'raw-apply' });
    client = RawObjectApi.forConfig(parseKubeconfig(member.kubeconfig));
  });
  afterAll(async () => {
    await member?.stop();
  });

  const readBack = async (apiVersion: string, kind: string, name: string, namespace?: string) =>
    (
      await client
        .listRaw(apiVersion, kind, '')
        .then((items) =>
          items.filter((item) => item.metadata?.name === name && (namespace === undefined || item.metadata?.namespace === namespace)),
        )
    )[0] as (KubernetesObject & Record<string, unknown>) | undefined;

  it("keeps a NetworkPolicy rule's `from` (the peer that limits who may connect)", async () => {
    await applyObject(client, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'raw-apply' } }, CUBE_FIELD_MANAGER);
    const ingress = [
      {
        from: [{ namespaceSelector: { matchLabels: { 'cube.io/tenant': 'acme' } } }, { podSelector: { matchLabels: { app: 'web' } } }],
        ports: [{ protocol: 'TCP', port: 8080 }],
      },
    ];
    const applied = await applyObject(
      client,
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'tenant-only', namespace: 'raw-apply' },
        spec: { podSelector: {}, policyTypes: ['Ingress'], ingress },
      },
      CUBE_FIELD_MANAGER,
    );
    expect((applied as unknown as { spec: { ingress: unknown } }).spec.ingress).toEqual(ingress);
    const stored = await readBack('networking.k8s.io/v1', 'NetworkPolicy', 'tenant-only', 'raw-apply');
    expect((stored?.['spec'] as { ingress: unknown }).ingress).toEqual(ingress);
    expect(stored?.metadata?.managedFields?.map((entry) => entry.manager)).toContain(CUBE_FIELD_MANAGER);
  });

  it("keeps fields client-node's models do not know (a CRD schema's x-kubernetes-* extensions)", async () => {
    const schema = {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          'x-kubernetes-preserve-unknown-fields': true,
          properties: { size: { 'x-kubernetes-int-or-string': true } },
        },
      },
    };
    await applyObject(
      client,
      {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'widgets.example.cube.io' },
        spec: {
          group: 'example.cube.io',
          names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
          scope: 'Namespaced',
          versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } }],
        },
      },
      CUBE_FIELD_MANAGER,
    );
    const stored = await readBack('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.cube.io');
    const versions = (stored?.['spec'] as { versions: { schema: { openAPIV3Schema: unknown } }[] }).versions;
    expect(versions[0]?.schema.openAPIV3Schema).toEqual(schema);
  });
});
