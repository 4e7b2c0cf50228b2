import { ApiProperty } from '@nestjs/swagger';

export type DependencyState = 'up' | 'down';

/** Reply to `cube.<service>.health.ping`. */
export interface HealthReply {
  service: string;
  version: string;
  status: 'ok' | 'degraded';
  dependencies: Record<string, DependencyState>;
}

/** `GET /healthz`. */
export class LivenessView {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
}

/**
 * `GET /readyz`: 200 `ready`; 503 `degraded` (NATS up, some service without an answering replica or with
 * a dependency down) or `unavailable` (the gateway has no NATS connection).
 */
export class ReadinessView {
  @ApiProperty({ enum: ['ready', 'degraded', 'unavailable'] }) status!: 'ready' | 'degraded' | 'unavailable';
  @ApiProperty({ enum: ['up', 'down'] }) nats!: DependencyState;
  @ApiProperty({ type: String, isArray: true, description: 'services that did not answer their ping in time' }) missing!: string[];
  @ApiProperty({ type: String, isArray: true, description: 'services that answered with a dependency down' }) degraded!: string[];
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'per service: its health reply, or { error }' })
  services!: Record<string, unknown>;
}
