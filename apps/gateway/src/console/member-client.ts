import type { IncomingMessage } from 'node:http';
import { Injectable } from '@nestjs/common';
import { AuthenticatedPrincipal, CubeError } from '@cube/contracts';
import { ProxyTarget } from '../proxy/cluster-connections';
import { upstreamRequest } from '../proxy/cluster-connections';
import { upstreamRequestHeaders } from '../proxy/proxy-headers';

const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

export interface MemberAnswer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * Small JSON requests of the console to a member kube-apiserver, through the proxy's request builder:
 * as the caller (the proxy's impersonation headers) when a principal is given, else as Cube itself.
 */
@Injectable()
export class MemberClient {
  request(target: ProxyTarget, method: string, path: string, body?: unknown, principal?: AuthenticatedPrincipal): Promise<MemberAnswer> {
    const incoming: IncomingMessage['headers'] = {
      accept: 'application/json',
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    };
    const headers = principal
      ? upstreamRequestHeaders(incoming, { authorization: target.authorization, principal })
      : { ...incoming, ...(target.authorization ? { authorization: target.authorization } : {}) };
    const base = target.server.pathname.replace(/\/+$/, '');
    return new Promise((resolve, reject) => {
      const request = upstreamRequest(target, method, `${base}${path}`, headers);
      request.setTimeout(15_000, () => request.destroy(new Error('timeout')));
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
        });
        response.on('end', () => {
          let parsed: Record<string, unknown> = {};
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
          } catch {
            // A non-JSON answer is judged by its status alone.
          }
          resolve({ status: response.statusCode ?? 502, body: parsed });
        });
        response.on('error', reject);
      });
      request.on('error', (error: NodeJS.ErrnoException) =>
        reject(
          new CubeError('UNAVAILABLE', `cluster "${target.name}" is not reachable: ${error.code ?? error.message}`, {
            cluster: target.name,
          }),
        ),
      );
      request.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }
}
