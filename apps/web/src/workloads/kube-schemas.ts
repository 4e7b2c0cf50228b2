import type { ResourceKind } from './kinds';

/**
 * JSON Schemas that give the YAML editor its hints (completion, hover text, inline problems) for the
 * kinds the console edits. They describe the fields people write most, with Kubernetes' own field
 * descriptions shortened; unknown fields are allowed, so a valid object is never marked wrong: the
 * API server stays the judge (server-side apply with strict field validation).
 */
type Schema = Record<string, unknown>;

const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$';
const stringMap = (description: string): Schema => ({ type: 'object', description, additionalProperties: { type: 'string' } });

const metadata: Schema = {
  type: 'object',
  description: 'Standard object metadata.',
  required: ['name'],
  properties: {
    name: { type: 'string', maxLength: 253, pattern: DNS_SUBDOMAIN, description: 'Unique within the namespace; a DNS subdomain.' },
    namespace: { type: 'string', description: 'The namespace; the one in the console scope when left out.' },
    labels: stringMap('Key/value pairs to organise and select objects (label selectors).'),
    annotations: stringMap('Non-identifying metadata for tools and people.'),
  },
};

const quantity = { type: ['string', 'number'], description: 'A Kubernetes quantity such as 500m, 2 or 1Gi.' };
const resources: Schema = {
  type: 'object',
  description: 'Compute resources of the container.',
  properties: {
    requests: { type: 'object', description: 'Minimum resources the scheduler reserves.', additionalProperties: quantity },
    limits: { type: 'object', description: 'Maximum resources the container may use.', additionalProperties: quantity },
  },
};
const container: Schema = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', description: 'Unique within the pod; a DNS label.' },
    image: { type: 'string', description: 'Container image name, e.g. nginx:1.27.' },
    command: { type: 'array', items: { type: 'string' }, description: "Entrypoint; the image's ENTRYPOINT when left out." },
    args: { type: 'array', items: { type: 'string' }, description: 'Arguments to the entrypoint.' },
    env: {
      type: 'array',
      description: 'Environment variables.',
      items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, value: { type: 'string' } } },
    },
    ports: {
      type: 'array',
      description: 'Ports the container exposes (informational).',
      items: {
        type: 'object',
        required: ['containerPort'],
        properties: {
          name: { type: 'string' },
          containerPort: { type: 'integer', minimum: 1, maximum: 65535 },
          protocol: { enum: ['TCP', 'UDP', 'SCTP'] },
        },
      },
    },
    resources,
    imagePullPolicy: { enum: ['Always', 'IfNotPresent', 'Never'], description: 'When to pull the image.' },
  },
};
const podSpec: Schema = {
  type: 'object',
  description: 'What runs in the pod.',
  required: ['containers'],
  properties: {
    containers: { type: 'array', minItems: 1, items: container, description: 'The containers of the pod.' },
    initContainers: { type: 'array', items: container, description: 'Containers run to completion before the others start.' },
    restartPolicy: { enum: ['Always', 'OnFailure', 'Never'], description: 'Restart policy for all containers.' },
    serviceAccountName: { type: 'string', description: 'The service account the pod runs as.' },
    nodeSelector: stringMap('Labels a node must have for the pod to run there.'),
  },
};
const podTemplate: Schema = {
  type: 'object',
  description: 'The pods to create.',
  properties: {
    metadata: { type: 'object', properties: { labels: stringMap('Labels of the pods; the selector must match them.') } },
    spec: podSpec,
  },
};
const selector: Schema = {
  type: 'object',
  description: 'Which pods belong to this object; must match the template labels.',
  properties: { matchLabels: stringMap('Labels the pods must carry.') },
};

const specOf: Record<string, Schema> = {
  Deployment: {
    type: 'object',
    required: ['selector', 'template'],
    properties: {
      replicas: { type: 'integer', minimum: 0, description: 'Number of desired pods (default 1).' },
      selector,
      template: podTemplate,
      strategy: { type: 'object', properties: { type: { enum: ['RollingUpdate', 'Recreate'] } } },
    },
  },
  StatefulSet: {
    type: 'object',
    required: ['selector', 'template'],
    properties: {
      replicas: { type: 'integer', minimum: 0, description: 'Number of desired pods (default 1).' },
      serviceName: { type: 'string', description: 'The headless Service that gives the pods their network identity.' },
      selector,
      template: podTemplate,
    },
  },
  DaemonSet: { type: 'object', required: ['selector', 'template'], properties: { selector, template: podTemplate } },
  Job: {
    type: 'object',
    required: ['template'],
    properties: {
      completions: { type: 'integer', minimum: 0, description: 'Successful pods needed for the job to complete.' },
      parallelism: { type: 'integer', minimum: 0, description: 'Pods running at the same time.' },
      backoffLimit: { type: 'integer', minimum: 0, description: 'Retries before the job is marked failed (default 6).' },
      template: podTemplate,
    },
  },
  Pod: podSpec,
  Service: {
    type: 'object',
    properties: {
      type: {
        enum: ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'],
        description: 'How the Service is exposed (default ClusterIP).',
      },
      selector: stringMap('Pods with these labels receive the traffic.'),
      ports: {
        type: 'array',
        description: 'The ports the Service exposes.',
        items: {
          type: 'object',
          required: ['port'],
          properties: {
            name: { type: 'string' },
            port: { type: 'integer', minimum: 1, maximum: 65535, description: 'The port of the Service.' },
            targetPort: { type: ['integer', 'string'], description: 'The port (number or name) on the pods.' },
            protocol: { enum: ['TCP', 'UDP', 'SCTP'] },
          },
        },
      },
    },
  },
};

const cache = new Map<string, Schema>();

/** The hint schema of one kind, the same object each time (the editor is rebuilt when its schema changes). */
export function schemaFor(kind: ResourceKind): Schema {
  const known = cache.get(kind.kind);
  if (known) return known;
  const properties: Record<string, unknown> = {
    apiVersion: { const: kind.apiVersion, description: `The API version of a ${kind.kind}.` },
    kind: { const: kind.kind, description: 'The kind of object.' },
    metadata,
  };
  if (specOf[kind.kind]) properties['spec'] = { ...specOf[kind.kind], description: `The desired state of the ${kind.kind}.` };
  if (kind.kind === 'ConfigMap') {
    properties['data'] = stringMap('Configuration as UTF-8 strings, key by key.');
    properties['binaryData'] = stringMap('Binary configuration, base64-encoded, key by key.');
    properties['immutable'] = { type: 'boolean', description: 'When true, the data can no longer change.' };
  }
  if (kind.kind === 'Secret') {
    properties['type'] = { type: 'string', description: 'Opaque, kubernetes.io/tls, kubernetes.io/dockerconfigjson, …' };
    properties['data'] = stringMap('Secret values, base64-encoded, key by key.');
    properties['stringData'] = stringMap('Secret values as plain strings (write only; stored base64-encoded in data).');
    properties['immutable'] = { type: 'boolean', description: 'When true, the data can no longer change.' };
  }
  const schema: Schema = { type: 'object', required: ['apiVersion', 'kind', 'metadata'], properties };
  cache.set(kind.kind, schema);
  return schema;
}
