export type DependencyState = 'up' | 'down';

/** Reply to `cube.<service>.health.ping`. */
export interface HealthReply {
  service: string;
  version: string;
  status: 'ok' | 'degraded';
  dependencies: Record<string, DependencyState>;
}
