import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { CubeError, DNS_LABEL, MAX_BUNDLE_BYTES } from '@cube/contracts';

/** The placeholder a bundle may carry; replaced by the cluster's name in the text, before parsing. */
export const CLUSTER_PLACEHOLDER = /\{\{\s*cluster\s*\}\}/g;
/** A name that stands in for clusters when an upload is checked (any DNS label parses the same). */
const SAMPLE_CLUSTER = 'cluster-name';

/** Kinds of the built-in API groups that live outside namespaces (kubectl api-resources --namespaced=false). */
const CLUSTER_SCOPED_KINDS = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'APIService',
  'StorageClass',
  'PriorityClass',
  'IngressClass',
  'RuntimeClass',
  'CSIDriver',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'FlowSchema',
  'PriorityLevelConfiguration',
]);

export const isClusterScopedKind = (kind: string) => CLUSTER_SCOPED_KINDS.has(kind);

export interface BundleRules {
  /** Cluster-scoped kinds the operator allows in custom bundles (CUBE_HOTPLUG_ALLOWED_CLUSTER_KINDS). */
  allowedClusterKinds: ReadonlySet<string>;
}

interface FieldProblem {
  field: string;
  problems: string[];
}

/**
 * Checks an uploaded bundle: at most 2 MiB, valid YAML in every document, each an object with
 * apiVersion, kind and metadata.name, no cluster-scoped kind the operator did not allow, no object
 * twice. 422 with `details.fields` naming `bundle[<document index>].<field>`; returns the object count.
 */
export function checkBundle(bundle: string, rules: BundleRules): number {
  const bytes = Buffer.byteLength(bundle, 'utf8');
  if (bytes > MAX_BUNDLE_BYTES) {
    throw new CubeError('UNPROCESSABLE', `the bundle is ${bytes} bytes; at most ${MAX_BUNDLE_BYTES} (2 MiB) are accepted`, {
      fields: [{ field: 'bundle', problems: [`at most ${MAX_BUNDLE_BYTES} bytes (2 MiB); this one has ${bytes}`] }],
    });
  }
  const problems: FieldProblem[] = [];
  const objects = parseDocuments(bundle.replace(CLUSTER_PLACEHOLDER, SAMPLE_CLUSTER), problems);
  const seen = new Map<string, number>();
  objects.forEach(({ index, object }) => {
    const at = (field: string) => `bundle[${index}]${field ? `.${field}` : ''}`;
    const value = object as Partial<KubernetesObject> & Record<string, unknown>;
    if (typeof value.apiVersion !== 'string' || value.apiVersion === '')
      problems.push({ field: at('apiVersion'), problems: ['is required'] });
    if (typeof value.kind !== 'string' || value.kind === '') problems.push({ field: at('kind'), problems: ['is required'] });
    const name = value.metadata?.name;
    if (typeof name !== 'string' || name === '') problems.push({ field: at('metadata.name'), problems: ['is required'] });
    const namespace = value.metadata?.namespace;
    if (namespace !== undefined && (typeof namespace !== 'string' || !DNS_LABEL.test(namespace)))
      problems.push({ field: at('metadata.namespace'), problems: ['must be a DNS label'] });
    if (typeof value.kind === 'string' && isClusterScopedKind(value.kind) && !rules.allowedClusterKinds.has(value.kind)) {
      problems.push({
        field: at('kind'),
        problems: [
          `cluster-scoped kind ${value.kind} is not allowed in custom components (allowed: ${[...rules.allowedClusterKinds].sort().join(', ') || 'none'})`,
        ],
      });
    }
    if (typeof value.kind === 'string' && typeof name === 'string') {
      const identity = `${value.kind}/${typeof namespace === 'string' ? namespace : ''}/${name}`;
      const first = seen.get(identity);
      if (first !== undefined)
        problems.push({ field: at('metadata.name'), problems: [`${value.kind} "${name}" is already document ${first}`] });
      else seen.set(identity, index);
    }
  });
  if (objects.length === 0 && problems.length === 0) problems.push({ field: 'bundle', problems: ['holds no Kubernetes object'] });
  if (problems.length > 0)
    throw new CubeError('UNPROCESSABLE', `the bundle is not valid: ${problems[0]?.field} ${problems[0]?.problems[0]}`, {
      fields: problems,
    });
  return objects.length;
}

/** The bundle's objects for one cluster, in document order (the bundle was checked at upload). */
export function bundleObjects(bundle: string, cluster: string): KubernetesObject[] {
  const problems: FieldProblem[] = [];
  const objects = parseDocuments(bundle.replace(CLUSTER_PLACEHOLDER, cluster), problems).map(({ object }) => object as KubernetesObject);
  if (problems.length > 0) throw new CubeError('UNPROCESSABLE', `the bundle does not parse for cluster ${cluster}`, { fields: problems });
  return objects;
}

function parseDocuments(text: string, problems: FieldProblem[]): { index: number; object: Record<string, unknown> }[] {
  const objects: { index: number; object: Record<string, unknown> }[] = [];
  parseAllDocuments(text, { prettyErrors: false }).forEach((document, index) => {
    if ('empty' in document || document.contents === null) return; // `---` with nothing after it
    const error = document.errors[0];
    if (error) {
      problems.push({
        field: `bundle[${index}]`,
        problems: [`not valid YAML: ${error.message.split('\n')[0]} (line ${error.linePos?.[0]?.line ?? '?'})`],
      });
      return;
    }
    const value: unknown = document.toJS({ maxAliasCount: 100 });
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push({ field: `bundle[${index}]`, problems: ['must be a mapping (a Kubernetes object)'] });
      return;
    }
    objects.push({ index, object: value as Record<string, unknown> });
  });
  return objects;
}
