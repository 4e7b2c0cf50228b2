import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { acceptRequestId } from '@cube/observability';
import { KubeApiProxy, PROXY_PREFIX } from './kube-api-proxy';

/**
 * WebSocket upgrades (exec, attach, port-forward) never reach Express: Node hands them to the HTTP
 * server's `upgrade` listeners. Those on the proxy path are forwarded; the gateway serves no other.
 */
@Injectable()
export class ProxyUpgrades implements OnApplicationBootstrap {
  constructor(
    private readonly adapter: HttpAdapterHost,
    private readonly proxy: KubeApiProxy,
  ) {}

  onApplicationBootstrap(): void {
    const server = this.adapter.httpAdapter.getHttpServer() as Server;
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (!(req.url ?? '').startsWith(PROXY_PREFIX)) {
        // Another listener may serve it; alone, the socket would hang.
        if (server.listenerCount('upgrade') === 1) socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      void this.proxy.handleUpgrade(req, socket, head, acceptRequestId(req));
    });
  }
}
