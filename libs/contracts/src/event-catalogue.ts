/**
 * Every domain event Cube publishes on CUBE_EVENTS: the public interface documented in the
 * AsyncAPI file at /api/docs/asyncapi.json. Add an entry when a service starts publishing one.
 */
export const EVENT_CATALOGUE: readonly { type: string; summary: string }[] = [
  { type: 'identity.user.created', summary: 'A user was created; data is the user (no credentials).' },
  { type: 'identity.user.updated', summary: 'A user\'s profile or state changed; data is the user after the change.' },
  { type: 'identity.user.deleted', summary: 'A user was deleted; data is the user as it was.' },
  { type: 'identity.binding.created', summary: 'A role binding was created; data is the binding.' },
  { type: 'identity.binding.deleted', summary: 'A role binding was deleted; data is the binding as it was.' },
  { type: 'identity.token.revoked', summary: 'An API token was revoked; data is { id, owner }.' },
  { type: 'clusters.cluster.registered', summary: 'A member cluster was registered and Warden installed; data is the cluster (no credentials).' },
  { type: 'clusters.cluster.unregistered', summary: 'A member cluster was unregistered and Warden removed; data is the cluster as it was.' },
  { type: 'clusters.cluster.status-changed', summary: 'A cluster changed state (pending, normal, abnormal, unreachable); data is { from, to, cluster }.' },
];
