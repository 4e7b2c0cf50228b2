// An admission webhook for specs: HTTPS with a certificate minted for the names the API server
// will verify (a URL's host or <service>.<namespace>.svc), answering AdmissionReview v1 requests
// through a handler and recording every request it received.
import { createServer, Server } from 'node:https';
import { AddressInfo, Socket } from 'node:net';
import { createCertificateAuthority, issueCertificate } from '../certs';

export interface AdmissionRequest {
  uid: string;
  kind: { group: string; version: string; kind: string };
  resource: { group: string; version: string; resource: string };
  subResource?: string;
  requestKind?: { group: string; version: string; kind: string };
  requestResource?: { group: string; version: string; resource: string };
  name?: string;
  namespace?: string;
  operation: string;
  userInfo: {
    username: string;
    uid?: string;
    groups?: string[];
    extra?: Record<string, string[]>;
  };
  object: Record<string, unknown> | null;
  oldObject: Record<string, unknown> | null;
  dryRun: boolean;
  options: Record<string, unknown> | null;
}

/** What a handler answers: allowed or a denial Status, and for mutating webhooks JSON patch operations. */
export interface WebhookAnswer {
  allowed: boolean;
  status?: { code?: number; message?: string; reason?: string };
  patch?: unknown[];
  warnings?: string[];
}

export interface TestWebhookServer {
  /** https://127.0.0.1:<port> */
  url: string;
  port: number;
  /** base64 PEM of the CA that signed the serving certificate: a webhook's clientConfig.caBundle. */
  caBundle: string;
  /** Requests received, per path. */
  requests: { path: string; request: AdmissionRequest }[];
  stop(): Promise<void>;
}

export interface CertificateAuthority {
  caCert: string;
  issue(dnsNames: string[]): Promise<{ cert: string; key: string }>;
}

/** A throwaway CA whose serving certificates cover the given DNS names plus 127.0.0.1. */
export async function makeCertificateAuthority(name = 'webhook-ca'): Promise<CertificateAuthority> {
  const ca = await createCertificateAuthority(name);
  return {
    caCert: ca.caCert,
    issue: (dnsNames) =>
      issueCertificate(ca, {
        commonName: dnsNames[0] ?? 'webhook',
        usage: 'server',
        dnsNames,
        ipAddresses: ['127.0.0.1'],
      }),
  };
}

/**
 * Starts a webhook on a free port. `handler` may return a promise that never settles to model a
 * webhook that does not answer; `stop()` closes its connections.
 */
export async function startWebhookServer(
  handler: (request: AdmissionRequest, path: string) => WebhookAnswer | Promise<WebhookAnswer>,
  opts: { dnsNames?: string[]; ca?: CertificateAuthority; host?: string } = {},
): Promise<TestWebhookServer> {
  const host = opts.host ?? '127.0.0.1';
  const ca = opts.ca ?? (await makeCertificateAuthority());
  const { cert, key } = await ca.issue(opts.dnsNames ?? ['localhost']);
  const requests: TestWebhookServer['requests'] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer({ cert, key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        request: AdmissionRequest;
      };
      const path = new URL(req.url ?? '/', 'https://localhost').pathname;
      requests.push({ path, request: review.request });
      void Promise.resolve(handler(review.request, path)).then((a) => {
        const response: Record<string, unknown> = {
          uid: review.request.uid,
          allowed: a.allowed,
        };
        if (a.status) response.status = a.status;
        if (a.warnings) response.warnings = a.warnings;
        if (a.patch) {
          response.patchType = 'JSONPatch';
          response.patch = Buffer.from(JSON.stringify(a.patch)).toString('base64');
        }
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({
            apiVersion: 'admission.k8s.io/v1',
            kind: 'AdmissionReview',
            response,
          }),
        );
      });
    });
  });
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    caBundle: Buffer.from(ca.caCert).toString('base64'),
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
