import { IsString, Matches } from 'class-validator';
import { DatabaseServiceEnvironment } from '@cube/service-runtime';

/** The hotplug service's variables on top of a database service's. */
export class HotplugEnvironment extends DatabaseServiceEnvironment {
  /**
   * Cluster-scoped kinds a custom bundle may hold, comma-separated (e.g. add `APIService`); any
   * other cluster-scoped kind is refused at upload. Namespaced kinds are always allowed.
   */
  @IsString()
  @Matches(/^([A-Z][A-Za-z0-9]*)?(,\s*[A-Z][A-Za-z0-9]*)*$/, {
    message: 'CUBE_HOTPLUG_ALLOWED_CLUSTER_KINDS must be comma-separated kinds, e.g. Namespace,ClusterRole',
  })
  CUBE_HOTPLUG_ALLOWED_CLUSTER_KINDS = 'Namespace,ClusterRole,ClusterRoleBinding,CustomResourceDefinition';
}

export const allowedClusterKinds = (env: HotplugEnvironment): ReadonlySet<string> =>
  new Set(
    env.CUBE_HOTPLUG_ALLOWED_CLUSTER_KINDS.split(',')
      .map((kind) => kind.trim())
      .filter(Boolean),
  );
