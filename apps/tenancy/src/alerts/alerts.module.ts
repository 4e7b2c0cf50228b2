import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { TenancySharedModule } from '../shared/tenancy-shared.module';
import { AlertingDelivery } from './alerting-delivery';
import { AlertsHandler } from './alerts.handler';
import { AlertsRepository } from './alerts.repository';
import { AlertsService } from './alerts.service';

/** A project's alert rules and receivers, and their delivery to Prometheus and Alertmanager. */
@Module({
  imports: [TenancySharedModule, AccessModule],
  controllers: [AlertsHandler],
  providers: [AlertsRepository, AlertsService, AlertingDelivery],
})
export class AlertsModule {}
