import { createServer, Server } from 'node:https';
import { AddressInfo } from 'node:net';
import { AccessTokenVerifier } from '@cube/auth';
import { reviewToken, RevokedTokens, TokenReview } from './token-review';

export const TOKEN_REVIEW_PATH = '/authenticate';
const MAX_BODY_BYTES = 64 * 1024;

export interface TokenReviewServerOptions {
  cert: string;
  key: string;
  port: number;
  host?: string;
  verifier: AccessTokenVerifier;
  revoked?: RevokedTokens;
}

/** Warden's HTTPS endpoint for the member kube-apiserver's `--authentication-token-webhook-config-file`. */
export class TokenReviewServer {
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(options: TokenReviewServerOptions): Promise<TokenReviewServer> {
    const server = createServer({ cert: options.cert, key: options.key }, (req, res) => {
      if (req.method !== 'POST' || req.url?.split('?')[0] !== TOKEN_REVIEW_PATH) {
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
        let review: TokenReview;
        try {
          review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as TokenReview;
        } catch {
          res.writeHead(400).end();
          return;
        }
        void reviewToken(review, options.verifier, options.revoked).then((answer) => {
          res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer));
        });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
    });
    return new TokenReviewServer(server, (server.address() as AddressInfo).port);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
