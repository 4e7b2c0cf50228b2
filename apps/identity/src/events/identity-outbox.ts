import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { EventPublisher, ServiceEventOutbox } from '@cube/messaging';

/** Identity's domain events, written with the change they describe (see ServiceEventOutbox). */
@Injectable()
export class IdentityOutbox extends ServiceEventOutbox<EntityManager> {
  constructor(dataSource: DataSource, publisher: EventPublisher) {
    super(dataSource, publisher, 'identity');
  }
}
