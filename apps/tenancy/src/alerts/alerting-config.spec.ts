import { parse } from 'yaml';
import { AlertReceiverEntity } from './alert-receiver.entity';
import { AlertRuleEntity } from './alert-rule.entity';
import { renderAlertmanagerConfig, renderRuleFile } from './alerting-config';

const rule = (fields: Partial<AlertRuleEntity>): AlertRuleEntity =>
  Object.assign(new AlertRuleEntity(), {
    tenant: 'acme',
    project: 'web',
    name: 'r',
    expr: 'up == 0',
    for: '1m',
    severity: 'warning',
    summary: 's',
    ...fields,
  });
const receiver = (fields: Partial<AlertReceiverEntity>): AlertReceiverEntity =>
  Object.assign(new AlertReceiverEntity(), { tenant: 'acme', project: 'web', name: 'oncall', webhookUrl: null, emailTo: null, ...fields });

interface RuleFile {
  groups: { name: string; rules: { alert: string; expr: string; for: string; labels: Record<string, string> }[] }[];
}

describe('renderRuleFile', () => {
  it("scopes each rule to its project's namespaces and labels it with its project", () => {
    const { yaml, skipped } = renderRuleFile(
      [
        rule({ name: 'down', expr: 'up{namespace=~".+"} == 0' }),
        rule({ tenant: 'globex', project: 'app', name: 'busy', expr: 'load > 1' }),
      ],
      [
        { tenant: 'acme', project: 'web', namespaces: [{ cluster: 'a', namespace: 'web-1' }] },
        { tenant: 'globex', project: 'app', namespaces: [] },
      ],
    );
    expect(skipped).toEqual([]);
    const file = parse(yaml) as RuleFile;
    expect(file.groups.map((group) => group.name)).toEqual(['cube/acme/web', 'cube/globex/app']);
    expect(file.groups[0]?.rules[0]).toMatchObject({
      alert: 'down',
      expr: 'up{namespace=~".+",cluster="a",namespace="web-1"} == 0',
      for: '1m',
      labels: { cube_tenant: 'acme', cube_project: 'web', cube_rule: 'down', severity: 'warning' },
    });
    // A project without namespaces sees nothing: its rule can never fire.
    expect(file.groups[1]?.rules[0]?.expr).toBe('load{namespace="",namespace!=""} > 1');
  });

  it('leaves out a rule that cannot be scoped and says which', () => {
    const { yaml, skipped } = renderRuleFile(
      [rule({ name: 'bare', expr: 'up[5m]' })],
      [
        {
          tenant: 'acme',
          project: 'web',
          namespaces: [
            { cluster: 'a', namespace: 'x' },
            { cluster: 'b', namespace: 'y' },
          ],
        },
      ],
    );
    expect(skipped).toMatchObject([{ tenant: 'acme', project: 'web', rule: 'bare' }]);
    expect((parse(yaml) as RuleFile).groups[0]?.rules).toEqual([]);
  });
});

describe('renderAlertmanagerConfig', () => {
  it('routes each project to its own receivers only, on the labels its rules set', () => {
    const config = parse(
      renderAlertmanagerConfig(
        [
          receiver({ webhookUrl: 'http://a/hook' }),
          receiver({ tenant: 'globex', project: 'app', webhookUrl: 'http://g/hook', emailTo: 'g@example.org' }),
        ],
        { groupWait: '1s', smtp: null },
      ),
    ) as { route: { receiver: string; routes: { receiver: string; matchers: string[] }[] }; receivers: Record<string, unknown>[] };
    expect(config.route.receiver).toBe('cube-unrouted');
    expect(config.route.routes).toEqual([
      { receiver: 'cube/acme/web', matchers: ['cube_tenant="acme"', 'cube_project="web"'] },
      { receiver: 'cube/globex/app', matchers: ['cube_tenant="globex"', 'cube_project="app"'] },
    ]);
    // Without an SMTP relay no e-mail config is written (Alertmanager would refuse the whole file).
    expect(config.receivers).toEqual([
      { name: 'cube-unrouted' },
      { name: 'cube/acme/web', webhook_configs: [{ url: 'http://a/hook', send_resolved: true }] },
      { name: 'cube/globex/app', webhook_configs: [{ url: 'http://g/hook', send_resolved: true }] },
    ]);
  });

  it('writes e-mail receivers and the relay when one is configured', () => {
    const config = parse(
      renderAlertmanagerConfig([receiver({ emailTo: 'o@example.org' })], {
        groupWait: '30s',
        smtp: { smarthost: 'smtp:25', from: 'cube@example.org' },
      }),
    ) as { global: Record<string, string>; receivers: Record<string, unknown>[] };
    expect(config.global).toEqual({ smtp_smarthost: 'smtp:25', smtp_from: 'cube@example.org' });
    expect(config.receivers[1]).toEqual({ name: 'cube/acme/web', email_configs: [{ to: 'o@example.org', send_resolved: true }] });
  });
});
