import { validateSync } from 'class-validator';
import { plainToInstance } from 'class-transformer';
import { CreateWebhookBody, WEBHOOK_EVENT_FILTER, webhookFilterMatches } from './webhooks';

describe('webhook event filters', () => {
  it.each([
    ['cube.events.tenancy.namespace.created', 'cube.events.tenancy.namespace.created', true],
    ['cube.events.tenancy.namespace.*', 'cube.events.tenancy.namespace.deleted', true],
    ['cube.events.tenancy.*', 'cube.events.tenancy.namespace.deleted', false],
    ['cube.events.tenancy.>', 'cube.events.tenancy.namespace.deleted', true],
    ['cube.events.>', 'cube.events.identity.user.created', true],
    ['cube.events.*.user.created', 'cube.events.identity.user.created', true],
    ['cube.events.tenancy.>', 'cube.events.tenancy', false],
    ['cube.events.identity.>', 'cube.events.tenancy.tenant.created', false],
  ])('%s matches %s: %s', (filter, subject, expected) => {
    expect(webhookFilterMatches(filter, subject)).toBe(expected);
  });

  it.each(['cube.events.>', 'cube.events.tenancy.*.created', 'cube.events.a-b.c'])('accepts %s', (filter) => {
    expect(WEBHOOK_EVENT_FILTER.test(filter)).toBe(true);
  });

  it.each(['cube.audit.>', 'cube.events.>.x', 'cube.events..x', 'cube.events.Tenancy', '>', 'cube.events.te*'])('refuses %s', (filter) => {
    expect(WEBHOOK_EVENT_FILTER.test(filter)).toBe(false);
  });
});

describe('CreateWebhookBody', () => {
  const problems = (body: object) =>
    validateSync(plainToInstance(CreateWebhookBody, body)).flatMap((error) =>
      Object.keys(error.constraints ?? {}).map((name) => `${error.property}:${name}`),
    );
  const valid = { url: 'https://hooks.example.com/cube', events: ['cube.events.>'], secret: 'x'.repeat(24) };

  it('accepts an https URL with a filter and a long enough secret', () => {
    expect(problems(valid)).toEqual([]);
  });

  it.each(['ftp://example.com/x', 'javascript:alert(1)', 'https://user:pw@example.com/x', '/relative', 'http://'])(
    'refuses the URL %s',
    (url) => {
      expect(problems({ ...valid, url })).toEqual(['url:isWebhookUrl']);
    },
  );

  it('refuses a short secret and an empty filter list', () => {
    expect(problems({ ...valid, secret: 'short', events: [] })).toEqual(expect.arrayContaining(['secret:isLength', 'events:arrayMinSize']));
  });
});
