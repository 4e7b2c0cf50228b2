import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { ClientNats, ClientProxy, ClientsModule, Transport } from '@nestjs/microservices';
import { ServiceRequester } from '@cube/messaging';
import { GATEWAY_ENVIRONMENT } from '../config/tokens';
import { GatewayEnvironment } from '../config/gateway-environment';

export const NATS_CLIENT = Symbol('NATS_CLIENT');

/** The gateway's one NATS connection and the requester every controller forwards through. */
@Global()
@Module({
  imports: [
    ClientsModule.registerAsync([
      {
        name: NATS_CLIENT,
        inject: [GATEWAY_ENVIRONMENT],
        useFactory: (env: GatewayEnvironment) => ({
          transport: Transport.NATS,
          options: {
            servers: env.NATS_URL.split(',').map((url) => url.trim()),
            name: 'cube-gateway',
            maxReconnectAttempts: -1,
            reconnectTimeWait: 500,
          },
        }),
      },
    ]),
  ],
  providers: [
    {
      provide: ServiceRequester,
      inject: [NATS_CLIENT, GATEWAY_ENVIRONMENT],
      useFactory: (client: ClientProxy, env: GatewayEnvironment) => new ServiceRequester(client, env.CUBE_REQUEST_TIMEOUT_MS),
    },
  ],
  exports: [ServiceRequester, ClientsModule],
})
export class BusModule implements OnApplicationShutdown {
  constructor(@Inject(NATS_CLIENT) private readonly client: ClientNats) {}

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}
