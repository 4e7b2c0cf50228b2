// Test helpers for specs of other projects (`@cube/messaging/testing`); never imported by production code.
export { freePort, PrivateNatsServer, PrivateNatsCluster } from './jetstream/private-nats-server.testing';
export { until } from './jetstream/until.testing';
