import { parse, stringify } from 'yaml';
import { CubeError } from '@cube/contracts';
import { KubeServer, startKubeServer } from '@cube/testing';
import { inspectCluster } from './cluster-connection';

const reasonOf = async (attempt: Promise<unknown>) => {
  const error = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CubeError);
  expect((error as CubeError).code).toBe('UNPROCESSABLE');
  return (error as CubeError).details['reason'];
};

describe('connecting to a member cluster with a kubeconfig', () => {
  let member: KubeServer;
  let other: KubeServer;

  beforeAll(async () => {
    [member, other] = await Promise.all([startKubeServer({ name: 'member' }), startKubeServer({ name: 'other' })]);
  });
  afterAll(async () => {
    await Promise.all([member?.stop(), other?.stop()]);
  });

  it('reads the version and node count with an admin kubeconfig, YAML or JSON', async () => {
    const yaml = await inspectCluster(member.kubeconfig, 5000);
    expect(yaml.facts).toEqual({ kubernetesVersion: expect.stringMatching(/^v1\.\d+/), nodes: 1 });
    const json = await inspectCluster(JSON.stringify(parse(member.kubeconfig)), 5000);
    expect(json.facts.nodes).toBe(1);
  });

  it('refuses garbage as an invalid kubeconfig', async () => {
    expect(await reasonOf(inspectCluster('not: [a kubeconfig', 5000))).toBe('invalid-kubeconfig');
    expect(await reasonOf(inspectCluster('hello', 5000))).toBe('invalid-kubeconfig');
    expect(await reasonOf(inspectCluster(member.kubeconfig.replace(member.url, 'http://127.0.0.1:1'), 5000))).toBe('invalid-kubeconfig');
  });

  it('refuses a host nobody answers on as unreachable', async () => {
    expect(await reasonOf(inspectCluster(member.kubeconfig.replace(member.url, 'https://127.0.0.1:1'), 5000))).toBe('unreachable');
  });

  it('refuses a server whose certificate the kubeconfig CA does not sign as a TLS failure', async () => {
    const config = parse(member.kubeconfig) as { clusters: { cluster: Record<string, string> }[] };
    const cluster = config.clusters[0]?.cluster;
    if (!cluster) throw new Error('no cluster in the kubeconfig');
    cluster['certificate-authority-data'] = Buffer.from(other.caCert).toString('base64');
    expect(await reasonOf(inspectCluster(stringify(config), 5000))).toBe('tls-failure');
  });

  it('refuses a token the cluster does not know as unauthorized', async () => {
    expect(await reasonOf(inspectCluster(member.kubeconfigFor({ user: 'nobody', token: 'not-a-token' }), 5000))).toBe('unauthorized');
  });

  it('refuses an identity without the rights Warden needs, naming what is missing', async () => {
    const { cert, key } = await member.issueClientCertificate('alice', ['dev']);
    const error = await inspectCluster(member.kubeconfigFor({ user: 'alice', cert, key }), 5000).catch((e: unknown) => e as CubeError);
    expect(error).toBeInstanceOf(CubeError);
    expect((error as CubeError).details['reason']).toBe('insufficient-permissions');
    expect((error as CubeError).details['missing']).toContain('create namespaces');
    expect((error as CubeError).message).not.toContain(key);
  });
});
