import type { IncomingHttpHeaders } from 'node:http';
import { createServer, Server } from 'node:https';
import { AddressInfo } from 'node:net';

const MAX_BODY_BYTES = 1024 * 1024;

/** Answers one webhook call: the parsed JSON request in, the JSON answer out. */
export type WebhookHandler = (request: unknown, headers: IncomingHttpHeaders) => Promise<unknown>;

/** A route with a body limit of its own (the audit webhook's batches are larger than a review). */
export interface WebhookRoute {
  handle: WebhookHandler;
  maxBodyBytes: number;
}

/** Thrown by a handler to answer with this status and `{ message }` rather than a 500. */
export class WebhookRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface WebhookServerOptions {
  cert: string;
  key: string;
  port: number;
  /** All interfaces (IPv4 and IPv6) unless given. */
  host?: string;
  /** POST path → handler (TokenReview, ResourceQuota admission, audit). */
  routes: Record<string, WebhookHandler | WebhookRoute>;
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
      const route = req.method === 'POST' ? options.routes[req.url?.split('?')[0] ?? ''] : undefined;
      if (!route) {
        res.writeHead(404).end();
        return;
      }
      const handler = typeof route === 'function' ? route : route.handle;
      const maxBodyBytes = typeof route === 'function' ? MAX_BODY_BYTES : route.maxBodyBytes;
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = false;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= maxBodyBytes) chunks.push(chunk);
        else if (!tooLarge) {
          tooLarge = true;
          chunks.length = 0;
          res.writeHead(413, { Connection: 'close' }).end();
        }
      });
      req.on('end', () => {
        if (tooLarge) return;
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          res.writeHead(400).end();
          return;
        }
        handler(body, req.headers).then(
          (answer) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer)),
          (error: unknown) => {
            if (error instanceof WebhookRefusal) {
              res
                .writeHead(error.status, { 'Content-Type': 'application/json', ...error.headers })
                .end(JSON.stringify({ message: error.message }));
            } else res.writeHead(500).end();
          },
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
