/**
 * Every domain event Cube publishes on CUBE_EVENTS: the public interface documented in the
 * AsyncAPI file at /api/docs/asyncapi.json. Add an entry when a service starts publishing one.
 */
export const EVENT_CATALOGUE: readonly { type: string; summary: string }[] = [
  { type: 'identity.user.created', summary: 'A user was created; data is the user (no credentials).' },
  { type: 'identity.user.updated', summary: "A user's profile or state changed; data is the user after the change." },
  { type: 'identity.user.deleted', summary: 'A user was deleted; data is the user as it was.' },
  { type: 'identity.binding.created', summary: 'A role binding was created; data is the binding.' },
  { type: 'identity.binding.deleted', summary: 'A role binding was deleted; data is the binding as it was.' },
  { type: 'identity.token.revoked', summary: 'An API token was revoked; data is { id, owner }.' },
  { type: 'tenancy.tenant.created', summary: 'A tenant was created; data is the tenant.' },
  {
    type: 'tenancy.tenant.updated',
    summary: "A tenant's display name, description or labels changed; data is the tenant after the change.",
  },
  { type: 'tenancy.tenant.deleted', summary: 'A tenant was deleted; data is the tenant as it was.' },
  { type: 'tenancy.project.created', summary: 'A project was created; data is the project.' },
  {
    type: 'tenancy.project.updated',
    summary: "A project's display name, description or labels changed; data is the project after the change.",
  },
  { type: 'tenancy.project.deleted', summary: 'A project was deleted; data is the project as it was.' },
  { type: 'tenancy.namespace.created', summary: 'A namespace was created; data is the namespace.' },
  { type: 'tenancy.namespace.updated', summary: "A namespace's quota changed; data is the namespace after the change." },
  { type: 'tenancy.namespace.deleted', summary: 'A namespace was deleted; data is the namespace as it was.' },
  {
    type: 'tenancy.quota.changed',
    summary:
      "A tenant's quota on a cluster or a namespace's share of it changed; data is { level, tenant, cluster, project?, namespace?, hard }.",
  },
  {
    type: 'clusters.cluster.registered',
    summary: 'A member cluster was registered and Warden installed; data is the cluster (no credentials).',
  },
  {
    type: 'clusters.cluster.updated',
    summary:
      "A cluster's display name, description or kubeconfig changed (a new kubeconfig was checked by connecting); data is the cluster after the change (no credentials). Holders of cached connections to it drop them.",
  },
  {
    type: 'clusters.cluster.deleted',
    summary:
      'A member cluster was unregistered and Warden removed (best effort); data is the cluster as it was plus wardenRemoved. Holders of cached connections to it drop them.',
  },
  { type: 'metrics.rule.created', summary: "A project's alert rule was created (tenancy); data is the rule." },
  { type: 'metrics.rule.updated', summary: "A project's alert rule changed; data is the rule after the change." },
  { type: 'metrics.rule.deleted', summary: "A project's alert rule was deleted; data is the rule as it was." },
  {
    type: 'metrics.receiver.created',
    summary: "A project's alert receiver was created; data is the receiver with webhook/email as booleans (targets may hold secrets).",
  },
  { type: 'metrics.receiver.updated', summary: "A project's alert receiver changed; data as for metrics.receiver.created." },
  { type: 'metrics.receiver.deleted', summary: "A project's alert receiver was deleted; data as for metrics.receiver.created." },
  { type: 'hotplug.component.created', summary: 'A custom component was uploaded; data is the component (its bundle left out).' },
  { type: 'hotplug.component.updated', summary: "A custom component's bundle was replaced; data is the component (its bundle left out)." },
  { type: 'hotplug.component.deleted', summary: 'A custom component was deleted; data is the component as it was.' },
  {
    type: 'hotplug.component.defaults-changed',
    summary: "A component's platform defaults changed; data is { component, enabled, values, version }.",
  },
  {
    type: 'hotplug.component.override-changed',
    summary:
      "A component's override for one cluster was set or removed; data is the component in that cluster after the change (entity.cluster names it).",
  },
  {
    type: 'hotplug.component.phase-changed',
    summary:
      "A component's phase in a cluster changed, as reported by the cluster's Warden; data is { cluster, component, from, to, message, observedGeneration }.",
  },
  {
    type: 'clusters.cluster.status-changed',
    summary: 'A cluster changed state (pending, normal, abnormal, unreachable); data is { from, to, cluster }.',
  },
];
