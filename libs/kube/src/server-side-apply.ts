import { KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { httpStatusOf } from './connection-failure';
import { RawObjectApi } from './raw-object-api';

/**
 * Server-side apply of one object under `fieldManager`, forcing ownership of the fields it sets:
 * applying the same manifest again is a no-op, which makes installs and syncs idempotent. The object
 * goes out as its own JSON (RawObjectApi), never through client-node's models, which drop or rename
 * fields they do not know (a NetworkPolicy rule's `from` lost means allow-all).
 */
export async function applyObject<T extends KubernetesObject>(client: RawObjectApi, object: T, fieldManager: string): Promise<T> {
  return (await client.applyRaw(object, fieldManager)) as T;
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
