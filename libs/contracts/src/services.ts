/** The control-plane services behind the gateway, each on its own NATS subjects and PostgreSQL schema. */
export const CONTROL_PLANE_SERVICES = ['identity', 'tenancy', 'clusters', 'audit', 'hotplug', 'console'] as const;
export type ControlPlaneService = (typeof CONTROL_PLANE_SERVICES)[number];

/** Every NATS microservice, including the member-cluster agent. */
export const CUBE_SERVICES = [...CONTROL_PLANE_SERVICES, 'warden'] as const;
export type CubeService = (typeof CUBE_SERVICES)[number];

export function isCubeService(name: string): name is CubeService {
  return (CUBE_SERVICES as readonly string[]).includes(name);
}
