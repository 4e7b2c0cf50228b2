import type { FormInstance } from 'antd';
import { ApiError } from '../api/api-error';

/**
 * Marks the form fields named in an API validation error (`details.fields`), UI.md feedback. Fields
 * the form does not have are returned so the caller can show them with the general message.
 * `reasonField` takes a `details.reason` refusal (cluster registration's kubeconfig checks) to a field.
 */
export function markFieldErrors(form: FormInstance, error: unknown, reasonField?: string): boolean {
  if (!(error instanceof ApiError)) return false;
  const known = new Set(Object.keys(form.getFieldsValue(true) as Record<string, unknown>));
  const fields = Object.entries(error.fields)
    .map(([field, message]) => ({ name: field.split('.'), errors: [message || error.message] }))
    .filter((entry) => known.has(entry.name[0] ?? ''));
  if (reasonField && typeof error.details['reason'] === 'string' && error.status === 422 && !Object.keys(error.fields).length) {
    fields.push({ name: [reasonField], errors: [error.message] });
  }
  form.setFields(fields);
  return fields.length > 0;
}
