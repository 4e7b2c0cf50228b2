import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { ClientNats, ClientProxyFactory, Transport } from '@nestjs/microservices';
import { BaseEnvironment, SERVICE_ENVIRONMENT } from '@cube/service-runtime';
import { ServiceRequester } from '@cube/messaging';

const SERVICE_CLIENT = Symbol('SERVICE_CLIENT');

/** Requests to other services (identity's bindings, for who may read which session), with the same deadline as the gateway's. */
@Global()
@Module({
  providers: [
    {
      provide: SERVICE_CLIENT,
      inject: [SERVICE_ENVIRONMENT],
      useFactory: (env: BaseEnvironment) =>
        ClientProxyFactory.create({
          transport: Transport.NATS,
          options: { servers: env.NATS_URL.split(',').map((url) => url.trim()), name: 'cube-console-client', maxReconnectAttempts: -1 },
        }),
    },
    {
      provide: ServiceRequester,
      inject: [SERVICE_CLIENT, SERVICE_ENVIRONMENT],
      useFactory: (client: ClientNats, env: BaseEnvironment) => new ServiceRequester(client, env.CUBE_REQUEST_TIMEOUT_MS),
    },
  ],
  exports: [ServiceRequester],
})
export class ServiceBusModule implements OnApplicationShutdown {
  constructor(@Inject(SERVICE_CLIENT) private readonly client: ClientNats) {}

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}
