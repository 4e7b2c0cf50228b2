import { parse } from 'yaml';
import { ApiError } from '../api/api-error';
import type { KubeObject } from './kube-api';

/** Parses the editor's text as one Kubernetes object, or says what is wrong with it. */
export function parseObject(text: string, expectedKind: string, namespace: string): { object?: KubeObject; problem?: string } {
  let value: unknown;
  try {
    value = parse(text);
  } catch (error: unknown) {
    return { problem: error instanceof Error ? error.message : String(error) };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { problem: 'not an object' };
  const object = value as KubeObject;
  if (object.kind !== expectedKind) return { problem: `kind must be ${expectedKind}` };
  if (!object.metadata || typeof object.metadata.name !== 'string' || !object.metadata.name)
    return { problem: 'metadata.name is required' };
  if (object.metadata.namespace && object.metadata.namespace !== namespace) return { problem: `metadata.namespace must be ${namespace}` };
  return { object: { ...object, metadata: { ...object.metadata, namespace } } };
}

/** What apply sends: no server-owned fields (server-side apply refuses managedFields, ignores status). */
export function forApply(object: KubeObject): KubeObject {
  const {
    managedFields: _managed,
    resourceVersion: _rv,
    uid: _uid,
    creationTimestamp: _created,
    generation: _generation,
    ...metadata
  } = object.metadata;
  const { status: _status, ...rest } = object;
  return { ...rest, metadata: { ...metadata, name: object.metadata.name } };
}

export interface ApplyConflict {
  field?: string;
  message: string;
}

/** A server-side apply conflict (409 with FieldManagerConflict causes): who owns which field. */
export function conflictsOf(error: unknown): ApplyConflict[] | null {
  if (!(error instanceof ApiError) || error.status !== 409) return null;
  const causes = error.details['causes'];
  if (!Array.isArray(causes) || causes.length === 0) return [{ message: error.message }];
  return causes.map((cause) => {
    const record = cause as { field?: unknown; message?: unknown };
    return { field: typeof record.field === 'string' ? record.field : undefined, message: String(record.message ?? '') };
  });
}
