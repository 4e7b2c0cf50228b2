import { createServer, Server } from 'node:https';
import { AddressInfo } from 'node:net';

const MAX_BODY_BYTES = 1024 * 1024;

/** Answers one webhook call: the parsed JSON request in, the JSON answer out. */
export type WebhookHandler = (request: unknown) => Promise<unknown>;

export interface WebhookServerOptions {
  cert: string;
  key: string;
  port: number;
  /** All interfaces (IPv4 and IPv6) unless given. */
  host?: string;
  /** POST path → handler (TokenReview, ResourceQuota admission). */
  routes: Record<string, WebhookHandler>;
}

/**
 * Warden's HTTPS endpoint for the member kube-apiserver: its TokenReview webhook
 * (`--authentication-token-webhook-config-file`) and its validating admission webhook. Served with
 * the certificate registration installed; a malformed request is a 400, never a crash.
 */
export class WebhookServer {
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(options: WebhookServerOptions): Promise<WebhookServer> {
    const server = createServer({ cert: options.cert, key: options.key }, (req, res) => {
      const handler = req.method === 'POST' ? options.routes[req.url?.split('?')[0] ?? ''] : undefined;
      if (!handler) {
        res.writeHead(404).end();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) req.destroy();
        else chunks.push(chunk);
      });
      req.on('end', () => {
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          res.writeHead(400).end();
          return;
        }
        handler(body).then(
          (answer) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer)),
          () => res.writeHead(500).end(),
        );
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if (options.host) server.listen(options.port, options.host, () => resolve());
      else server.listen(options.port, () => resolve());
    });
    return new WebhookServer(server, (server.address() as AddressInfo).port);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
