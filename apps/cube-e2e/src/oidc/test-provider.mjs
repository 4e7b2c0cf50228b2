// A real OpenID provider (oidc-provider from npm) for the OIDC login suites, run as a child process:
// oidc-provider is ESM-only and the test runner is CommonJS. Reads its settings as JSON from
// TEST_OIDC_CONFIG ({ clientId, clientSecret, redirectUri, users: { name: { name, email, groups } } }),
// listens on a free loopback port and prints one line `{"issuer":"http://127.0.0.1:<port>"}`.
// Logging in is a small HTML form (user name only; the test users have no passwords): the test's
// HTTP client fills it in like a browser would. Consent is granted without asking.
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const config = JSON.parse(process.env.TEST_OIDC_CONFIG ?? '{}');
const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: config.clientId,
      client_secret: config.clientSecret,
      redirect_uris: [config.redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  pkce: { required: () => true },
  scopes: ['openid', 'profile', 'email', 'groups'],
  claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email'], groups: ['groups'] },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  findAccount: async (_ctx, sub) => {
    const user = config.users[sub];
    if (!user) return undefined;
    return {
      accountId: sub,
      claims: async () => ({ sub, preferred_username: sub, name: user.name, email: user.email, groups: user.groups }),
    };
  },
});

const form = (uid) =>
  `<!doctype html><form method="post" action="/interaction/${uid}/login"><input name="login"><button>Sign in</button></form>`;

const readForm = async (req) => {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
};

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'POST' && req.url.endsWith('/login')) {
    const login = (await readForm(req)).get('login') ?? '';
    if (!config.users[login]) {
      res.writeHead(200, { 'content-type': 'text/html' }).end(form(details.uid));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
    return;
  }
  if (details.prompt.name === 'login') {
    res.writeHead(200, { 'content-type': 'text/html' }).end(form(details.uid));
    return;
  }
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
  if (details.prompt.details.missingOIDCScope) grant.addOIDCScope(details.prompt.details.missingOIDCScope.join(' '));
  if (details.prompt.details.missingOIDCClaims) grant.addOIDCClaims(details.prompt.details.missingOIDCClaims);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const handle = provider.callback();
server.on('request', (req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((error) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error?.message ?? error));
    });
    return;
  }
  handle(req, res);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.stdout.write(`${JSON.stringify({ issuer })}\n`);
