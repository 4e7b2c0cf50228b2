import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { LoggerModule } from 'nestjs-pino';
import { cubeValidationPipe, SERVICE_BUS_ENVIRONMENT, ServiceBusModule } from '@cube/messaging';
import { CubeMetrics, cubeLoggerParams } from '@cube/observability';
import { accessTokenVerifierProvider } from './authn/access-token-verifier.provider';
import { BearerAuthGuard } from './authn/bearer-auth.guard';
import { AccessTokenStrategy, ApiTokenStrategy } from './authn/bearer.strategies';
import { CredentialVerifier } from './authn/credential-verifier';
import { RevocationListener } from './authn/revocation-listener';
import { AuditController } from './audit/audit.controller';
import { ClustersController } from './clusters/clusters.controller';
import { ClusterHotplugController } from './hotplug/cluster-hotplug.controller';
import { HotplugComponentsController } from './hotplug/hotplug-components.controller';
import { CloudShellController } from './console/cloudshell.controller';
import { CloudShells } from './console/cloud-shells';
import { ConsoleAccess } from './console/console-access';
import { ConsoleReaper } from './console/console-reaper';
import { MemberClient } from './console/member-client';
import { ConsoleController } from './console/console.controller';
import { ConsoleStream } from './console/console-stream';
import { ClusterReach } from './kubeconfig/cluster-reach';
import { KubeconfigController } from './kubeconfig/kubeconfig.controller';
import { KubeconfigIssuer } from './kubeconfig/kubeconfig-issuer';
import { AsyncApiController } from './docs/asyncapi.controller';
import { AuthController } from './identity/auth.controller';
import { BindingsController } from './identity/bindings.controller';
import { JwksController } from './identity/jwks.controller';
import { OidcController } from './identity/oidc.controller';
import { TokensController } from './identity/tokens.controller';
import { UsersController } from './identity/users.controller';
import { NamespacesController } from './tenancy/namespaces.controller';
import { TenantsController } from './tenancy/tenants.controller';
import { GatewayEnvironment } from './config/gateway-environment';
import { GATEWAY_ENVIRONMENT } from './config/tokens';
import { HttpErrorFilter } from './errors/http-error.filter';
import { HealthController } from './health/health.controller';
import { ReadinessService } from './health/readiness.service';
import { HttpMetricsMiddleware } from './metrics/http-metrics.middleware';
import { WebhooksController } from './webhooks/webhooks.controller';
import { MetricsQueryController } from './metrics-api/metrics-query.controller';
import { MetricsStore } from './metrics-api/metrics-store';
import { MetricsVisibility } from './metrics-api/metrics-visibility';
import { ProjectAlertsController } from './metrics-api/project-alerts.controller';
import { ProxyMiddleware } from './proxy/proxy.middleware';
import { PROXY_PROVIDERS, PROXY_ROUTE } from './proxy/proxy.providers';

/** The HTTP edge: REST, docs, health and metrics; every domain request goes over NATS. */
@Module({})
export class GatewayModule implements NestModule {
  static register(env: GatewayEnvironment): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        LoggerModule.forRoot(cubeLoggerParams('gateway', env.LOG_LEVEL, ['/healthz', '/readyz', OidcController.callbackPath])),
        {
          module: ConfigHolderModule,
          providers: [
            { provide: GATEWAY_ENVIRONMENT, useValue: env },
            { provide: SERVICE_BUS_ENVIRONMENT, useValue: env },
          ],
          exports: [GATEWAY_ENVIRONMENT, SERVICE_BUS_ENVIRONMENT],
          global: true,
        },
        ServiceBusModule.forService('gateway'),
        PassportModule,
      ],
      controllers: [
        AsyncApiController,
        HealthController,
        AuthController,
        OidcController,
        JwksController,
        UsersController,
        TokensController,
        BindingsController,
        WebhooksController,
        TenantsController,
        NamespacesController,
        AuditController,
        ClustersController,
        ClusterHotplugController,
        HotplugComponentsController,
        KubeconfigController,
        ConsoleController,
        CloudShellController,
        MetricsQueryController,
        ProjectAlertsController,
      ],
      providers: [
        { provide: CubeMetrics, useFactory: () => new CubeMetrics('gateway') },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        { provide: APP_PIPE, useFactory: cubeValidationPipe },
        ReadinessService,
        ClusterReach,
        KubeconfigIssuer,
        CredentialVerifier,
        RevocationListener,
        ApiTokenStrategy,
        AccessTokenStrategy,
        accessTokenVerifierProvider,
        { provide: APP_GUARD, useClass: BearerAuthGuard },
        ...PROXY_PROVIDERS,
        MemberClient,
        ConsoleAccess,
        CloudShells,
        ConsoleStream,
        ConsoleReaper,
        MetricsVisibility,
        MetricsStore,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*path');
    consumer.apply(ProxyMiddleware).forRoutes(PROXY_ROUTE);
  }
}

@Module({})
class ConfigHolderModule {}
