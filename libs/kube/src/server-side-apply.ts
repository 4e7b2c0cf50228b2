import { KubernetesObject, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { httpStatusOf } from './connection-failure';

/**
 * Server-side apply of one object under `fieldManager`, forcing ownership of the fields it sets:
 * applying the same manifest again is a no-op, which makes installs and syncs idempotent.
 */
export async function applyObject<T extends KubernetesObject>(client: KubernetesObjectApi, object: T, fieldManager: string): Promise<T> {
  return client.patch(object, undefined, undefined, fieldManager, true, PatchStrategy.ServerSideApply);
}

/** Deletes an object; an object already gone counts as deleted. Returns whether it existed. */
export async function deleteObjectIfPresent(client: KubernetesObjectApi, object: KubernetesObject): Promise<boolean> {
  try {
    await client.delete(object, undefined, undefined, undefined, undefined, 'Background');
    return true;
  } catch (error: unknown) {
    if (httpStatusOf(error) === 404) return false;
    throw error;
  }
}
