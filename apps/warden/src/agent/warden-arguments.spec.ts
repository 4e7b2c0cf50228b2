import { WARDEN_STATE_DIR, WARDEN_WEBHOOK_PORT } from '@cube/contracts';
import { parseWardenArguments } from './warden-arguments';
import { WardenStartError } from './warden-start-error';

describe('parseWardenArguments', () => {
  it("defaults to the Service's target port and the emptyDir in the Pod", () => {
    expect(parseWardenArguments(['--cluster', 'a'])).toMatchObject({
      cluster: 'a',
      webhookPort: WARDEN_WEBHOOK_PORT,
      stateDir: WARDEN_STATE_DIR,
    });
  });

  it('takes any free port and a per-cluster state directory outside a cluster, unless told', () => {
    const outside = parseWardenArguments(['--cluster', 'a', '--kubeconfig', '/tmp/a.kubeconfig']);
    expect(outside.webhookPort).toBe(0);
    expect(outside.stateDir).toMatch(/cube-warden-a$/);
    expect(parseWardenArguments(['--kubeconfig', 'k', '--webhook-port', '9443', '--state-dir', '/var/tmp/w'])).toMatchObject({
      webhookPort: 9443,
      stateDir: '/var/tmp/w',
    });
  });

  it('refuses a port that is not one', () => {
    expect(() => parseWardenArguments(['--webhook-port', 'https'])).toThrow(WardenStartError);
    expect(() => parseWardenArguments(['--webhook-port', '70000'])).toThrow('--webhook-port must be a port number');
  });

  it('serves the webhooks by URL outside a Pod: its own loopback address unless --webhook-url is given', () => {
    expect(parseWardenArguments(['--cluster', 'a']).webhookEndpoint).toEqual({ kind: 'service' });
    expect(parseWardenArguments(['--kubeconfig', 'k']).webhookEndpoint).toEqual({ kind: 'loopback' });
    expect(parseWardenArguments(['--kubeconfig', 'k', '--webhook-url', 'https://warden.example.com:9443/cube/']).webhookEndpoint).toEqual({
      kind: 'url',
      url: 'https://warden.example.com:9443/cube',
    });
  });

  it('refuses a webhook URL the apiserver could not call', () => {
    expect(() => parseWardenArguments(['--webhook-url', 'http://127.0.0.1:9443'])).toThrow('--webhook-url must be an https:// URL');
    expect(() => parseWardenArguments(['--webhook-url', 'https://127.0.0.1:9443/?x=1'])).toThrow(WardenStartError);
    expect(() => parseWardenArguments(['--webhook-url', 'not a url'])).toThrow('--webhook-url must be an https URL');
  });

  it('bounds the audit spool at 256 MiB unless told, and refuses a bound that is not a positive number of bytes', () => {
    expect(parseWardenArguments(['--cluster', 'a']).auditSpoolMaxBytes).toBe(256 * 1024 * 1024);
    expect(parseWardenArguments(['--audit-spool-max-bytes', '4096']).auditSpoolMaxBytes).toBe(4096);
    expect(() => parseWardenArguments(['--audit-spool-max-bytes', '0'])).toThrow(
      '--audit-spool-max-bytes must be a positive number of bytes',
    );
    expect(() => parseWardenArguments(['--audit-spool-max-bytes', '1G'])).toThrow(WardenStartError);
  });
});
