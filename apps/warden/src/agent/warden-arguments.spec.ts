import { WARDEN_STATE_DIR, WARDEN_WEBHOOK_PORT } from '@cube/contracts';
import { parseWardenArguments } from './warden-arguments';
import { WardenStartError } from './warden-start-error';

describe('parseWardenArguments', () => {
  it('defaults to the Service\'s target port and the emptyDir in the Pod', () => {
    expect(parseWardenArguments(['--cluster', 'a'])).toMatchObject({ cluster: 'a', webhookPort: WARDEN_WEBHOOK_PORT, stateDir: WARDEN_STATE_DIR });
  });

  it('takes any free port and a per-cluster state directory outside a cluster, unless told', () => {
    const outside = parseWardenArguments(['--cluster', 'a', '--kubeconfig', '/tmp/a.kubeconfig']);
    expect(outside.webhookPort).toBe(0);
    expect(outside.stateDir).toMatch(/cube-warden-a$/);
    expect(parseWardenArguments(['--kubeconfig', 'k', '--webhook-port', '9443', '--state-dir', '/var/tmp/w'])).toMatchObject({ webhookPort: 9443, stateDir: '/var/tmp/w' });
  });

  it('refuses a port that is not one', () => {
    expect(() => parseWardenArguments(['--webhook-port', 'https'])).toThrow(WardenStartError);
    expect(() => parseWardenArguments(['--webhook-port', '70000'])).toThrow('--webhook-port must be a port number');
  });
});
