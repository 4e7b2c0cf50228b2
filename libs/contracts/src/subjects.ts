import { CubeService } from './services';

/**
 * Every NATS subject Cube uses, declared once. Request-reply subjects follow
 * `cube.<service>.<entity>.<verb>`; domain events `cube.events.<service>.<entity>.<event>`.
 */
export const Subjects = {
  health: {
    ping: (service: CubeService) => `cube.${service}.health.ping` as const,
  },
} as const;

/** Queue group per service so that several replicas share the request load. */
export const queueGroupOf = (service: CubeService) => `cube-${service}` as const;
