// Object defaulting in kube-apiserver's two stages: decoding defaults (pkg/apis/*/v1/defaults.go,
// tracked by the field manager) and what strategies and admission plugins add afterwards
// (PrepareForCreate, ServiceAccount, DefaultTolerationSeconds, Priority), which no manager owns.
import { randomBytes } from 'node:crypto';
import { at, isObject, KubeObject } from './types';

type Obj = Record<string, unknown>;

function setDefault(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined) o[key] = value;
}

function obj(o: Obj, key: string): Obj {
  if (!isObject(o[key])) o[key] = {};
  return o[key] as Obj;
}

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

/** utilrand.String as generateName uses it: consonants and digits that spell no words. */
export function randomSuffix(n = 5): string {
  const bytes = randomBytes(n);
  return [...bytes].map((b) => NAME_CHARS[b % NAME_CHARS.length]).join('');
}

function imagePullPolicy(image: unknown): string {
  const ref = String(image ?? '');
  if (ref.includes('@')) return 'IfNotPresent';
  const last = ref.split('/').pop() ?? '';
  const tag = last.includes(':') ? last.split(':').pop() : '';
  return !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainer(c: Obj): void {
  for (const p of (c.ports as Obj[] | undefined) ?? []) setDefault(p, 'protocol', 'TCP');
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  setDefault(c, 'imagePullPolicy', imagePullPolicy(c.image));
  // ResourceRequirements is a struct, not a pointer: it is always written, `{}` when empty.
  setDefault(c, 'resources', {});
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const p = c[probe];
    if (!isObject(p)) continue;
    // SetDefaults_Probe and SetDefaults_HTTPGetAction.
    setDefault(p, 'timeoutSeconds', 1);
    setDefault(p, 'periodSeconds', 10);
    setDefault(p, 'successThreshold', 1);
    setDefault(p, 'failureThreshold', 3);
    if (isObject(p.httpGet)) {
      setDefault(p.httpGet as Obj, 'path', '/');
      setDefault(p.httpGet as Obj, 'scheme', 'HTTP');
    }
  }
  for (const e of (c.env as Obj[] | undefined) ?? []) {
    const ref = at(e, 'valueFrom', 'fieldRef');
    if (isObject(ref)) setDefault(ref, 'apiVersion', 'v1');
  }
}

/** SetDefaults_PodSpec and its containers. */
export function defaultPodSpec(spec: Obj): void {
  for (const key of ['initContainers', 'containers']) for (const c of (spec[key] as Obj[] | undefined) ?? []) defaultContainer(c);
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'schedulerName', 'default-scheduler');
  for (const v of (spec.volumes as Obj[] | undefined) ?? []) {
    for (const src of ['configMap', 'secret', 'projected'])
      if (isObject(v[src])) setDefault(v[src] as Obj, src === 'secret' ? 'defaultMode' : 'defaultMode', 420);
    if (v.emptyDir === undefined && Object.keys(v).length === 1) v.emptyDir = {};
  }
}

function defaultTemplate(spec: Obj): void {
  const template = obj(spec, 'template');
  const meta = obj(template, 'metadata');
  setDefault(meta, 'creationTimestamp', null);
  defaultPodSpec(obj(template, 'spec'));
}

/** Decoding defaults, per kind (pkg/apis/{core,apps,batch}/v1/defaults.go). */
export function applyDecodeDefaults(group: string, kind: string, o: KubeObject): void {
  const spec = isObject(o.spec) ? (o.spec as Obj) : undefined;
  const key = `${group}/${kind}`;
  switch (key) {
    case '/Namespace': {
      // SetDefaults_Namespace: the immutable kubernetes.io/metadata.name label.
      o.metadata.labels = {
        ...(o.metadata.labels ?? {}),
        'kubernetes.io/metadata.name': o.metadata.name ?? '',
      };
      break;
    }
    case '/Pod':
      if (spec) {
        defaultPodSpec(spec);
        // SetDefaults_Pod, not SetDefaults_PodSpec: a Deployment's template does not get it.
        setDefault(spec, 'enableServiceLinks', true);
        // SetDefaults_Pod: a container's limits also request what it did not request itself.
        for (const key of ['initContainers', 'containers'])
          for (const c of (spec[key] as Obj[] | undefined) ?? []) {
            const limits = at(c, 'resources', 'limits');
            if (!isObject(limits)) continue;
            const requests = obj(obj(c, 'resources'), 'requests');
            for (const [r, v] of Object.entries(limits)) setDefault(requests, r, v);
          }
      }
      break;
    case '/Secret':
      setDefault(o, 'type', 'Opaque');
      break;
    case '/Service': {
      const s = obj(o, 'spec');
      setDefault(s, 'type', 'ClusterIP');
      setDefault(s, 'sessionAffinity', 'None');
      for (const p of (s.ports as Obj[] | undefined) ?? []) {
        setDefault(p, 'protocol', 'TCP');
        setDefault(p, 'targetPort', p.port);
      }
      if (s.type !== 'ExternalName') setDefault(s, 'internalTrafficPolicy', 'Cluster');
      if (s.type === 'NodePort' || s.type === 'LoadBalancer') setDefault(s, 'externalTrafficPolicy', 'Cluster');
      break;
    }
    case '/PersistentVolumeClaim':
      setDefault(obj(o, 'spec'), 'volumeMode', 'Filesystem');
      break;
    case 'apps/Deployment': {
      const s = obj(o, 'spec');
      setDefault(s, 'replicas', 1);
      const strategy = obj(s, 'strategy');
      setDefault(strategy, 'type', 'RollingUpdate');
      if (strategy.type === 'RollingUpdate') {
        const ru = obj(strategy, 'rollingUpdate');
        setDefault(ru, 'maxUnavailable', '25%');
        setDefault(ru, 'maxSurge', '25%');
      }
      setDefault(s, 'revisionHistoryLimit', 10);
      setDefault(s, 'progressDeadlineSeconds', 600);
      defaultTemplate(s);
      break;
    }
    case 'apps/ReplicaSet': {
      const s = obj(o, 'spec');
      setDefault(s, 'replicas', 1);
      defaultTemplate(s);
      break;
    }
    case 'apps/StatefulSet': {
      const s = obj(o, 'spec');
      setDefault(s, 'replicas', 1);
      setDefault(s, 'podManagementPolicy', 'OrderedReady');
      const us = obj(s, 'updateStrategy');
      setDefault(us, 'type', 'RollingUpdate');
      if (us.type === 'RollingUpdate') setDefault(obj(us, 'rollingUpdate'), 'partition', 0);
      setDefault(s, 'revisionHistoryLimit', 10);
      setDefault(s, 'persistentVolumeClaimRetentionPolicy', {
        whenDeleted: 'Retain',
        whenScaled: 'Retain',
      });
      defaultTemplate(s);
      // A claim template is an embedded PersistentVolumeClaim, decoded and defaulted as one.
      for (const claim of (s.volumeClaimTemplates as Obj[] | undefined) ?? []) {
        if (!isObject(claim)) continue;
        setDefault(claim, 'kind', 'PersistentVolumeClaim');
        setDefault(claim, 'apiVersion', 'v1');
        setDefault(obj(claim, 'metadata'), 'creationTimestamp', null);
        setDefault(obj(claim, 'spec'), 'volumeMode', 'Filesystem');
        setDefault(claim, 'status', { phase: 'Pending' });
      }
      break;
    }
    case 'apps/DaemonSet': {
      const s = obj(o, 'spec');
      const us = obj(s, 'updateStrategy');
      setDefault(us, 'type', 'RollingUpdate');
      if (us.type === 'RollingUpdate') {
        const ru = obj(us, 'rollingUpdate');
        setDefault(ru, 'maxUnavailable', 1);
        setDefault(ru, 'maxSurge', 0);
      }
      setDefault(s, 'revisionHistoryLimit', 10);
      defaultTemplate(s);
      break;
    }
    case 'batch/Job': {
      const s = obj(o, 'spec');
      setDefault(s, 'parallelism', 1);
      setDefault(s, 'completions', 1);
      setDefault(s, 'backoffLimit', 6);
      setDefault(s, 'completionMode', 'NonIndexed');
      setDefault(s, 'suspend', false);
      setDefault(s, 'podReplacementPolicy', 'TerminatingOrFailed');
      defaultTemplate(s);
      break;
    }
    case 'admissionregistration.k8s.io/ValidatingWebhookConfiguration':
    case 'admissionregistration.k8s.io/MutatingWebhookConfiguration':
      // SetDefaults_ValidatingWebhook / SetDefaults_MutatingWebhook and SetDefaults_Rule (admissionregistration/v1).
      for (const hook of (o.webhooks as Obj[] | undefined) ?? []) {
        if (!isObject(hook)) continue;
        setDefault(hook, 'failurePolicy', 'Fail');
        setDefault(hook, 'matchPolicy', 'Equivalent');
        setDefault(hook, 'namespaceSelector', {});
        setDefault(hook, 'objectSelector', {});
        setDefault(hook, 'timeoutSeconds', 10);
        if (kind === 'MutatingWebhookConfiguration') setDefault(hook, 'reinvocationPolicy', 'Never');
        for (const rule of (hook.rules as Obj[] | undefined) ?? []) if (isObject(rule)) setDefault(rule, 'scope', '*');
      }
      break;
    case 'batch/CronJob': {
      const s = obj(o, 'spec');
      setDefault(s, 'concurrencyPolicy', 'Allow');
      setDefault(s, 'suspend', false);
      setDefault(s, 'successfulJobsHistoryLimit', 3);
      setDefault(s, 'failedJobsHistoryLimit', 1);
      const jt = obj(obj(s, 'jobTemplate'), 'spec');
      setDefault(obj(obj(s, 'jobTemplate'), 'metadata'), 'creationTimestamp', null);
      setDefault(jt, 'backoffLimit', 6);
      setDefault(jt, 'completionMode', 'NonIndexed');
      setDefault(jt, 'suspend', false);
      setDefault(jt, 'podReplacementPolicy', 'TerminatingOrFailed');
      defaultTemplate(jt);
      break;
    }
  }
}

/** Pod QoS class (pkg/apis/core/helper/qos). */
export function qosClass(spec: Obj): string {
  const containers = [...((spec.containers as Obj[]) ?? []), ...((spec.initContainers as Obj[]) ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = (at(c, 'resources', 'requests') ?? {}) as Obj;
    const lim = (at(c, 'resources', 'limits') ?? {}) as Obj;
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ['cpu', 'memory']) {
      if (lim[r] === undefined) guaranteed = false;
      else if (req[r] !== undefined && req[r] !== lim[r]) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/**
 * What the create path adds after the field manager has seen the object: the ServiceAccount
 * admission plugin's token volume, DefaultTolerationSeconds, Priority, and the strategy's status.
 */
export function prepareForCreate(group: string, kind: string, o: KubeObject): void {
  const key = `${group}/${kind}`;
  if (key === '/Namespace') {
    o.spec = { finalizers: ['kubernetes'] };
    o.status = { phase: 'Active' };
  } else if (key === '/Pod') {
    const spec = obj(o, 'spec');
    setDefault(spec, 'serviceAccountName', 'default');
    spec.serviceAccount = spec.serviceAccountName;
    if (spec.automountServiceAccountToken !== false) {
      const name = `kube-api-access-${randomSuffix(5)}`;
      const volumes = ((spec.volumes as Obj[] | undefined) ?? []).slice();
      volumes.push({
        name,
        projected: {
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            {
              configMap: {
                name: 'kube-root-ca.crt',
                items: [{ key: 'ca.crt', path: 'ca.crt' }],
              },
            },
            {
              downwardAPI: {
                items: [
                  {
                    path: 'namespace',
                    fieldRef: {
                      apiVersion: 'v1',
                      fieldPath: 'metadata.namespace',
                    },
                  },
                ],
              },
            },
          ],
          defaultMode: 420,
        },
      });
      spec.volumes = volumes;
      for (const c of (spec.containers as Obj[] | undefined) ?? []) {
        const mounts = ((c.volumeMounts as Obj[] | undefined) ?? []).slice();
        mounts.push({
          name,
          readOnly: true,
          mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
        });
        c.volumeMounts = mounts;
      }
    }
    const tolerations = ((spec.tolerations as Obj[] | undefined) ?? []).slice();
    for (const k of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
      if (!tolerations.some((t) => t.key === k))
        tolerations.push({
          key: k,
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        });
    }
    spec.tolerations = tolerations;
    setDefault(spec, 'priority', 0);
    setDefault(spec, 'preemptionPolicy', 'PreemptLowerPriority');
    o.status = { phase: 'Pending', qosClass: qosClass(spec) };
  } else if (key === '/PersistentVolumeClaim') {
    o.status = { phase: 'Pending' };
  } else if (key === '/Service') {
    o.status = { loadBalancer: {} };
  } else if (key === 'policy/PodDisruptionBudget') {
    o.status = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  } else if (key === 'autoscaling/HorizontalPodAutoscaler') {
    // HorizontalPodAutoscalerStatus: currentMetrics is a list without omitempty, desiredReplicas an int32.
    o.status = { desiredReplicas: 0, currentMetrics: null };
  } else if (['apps/Deployment', 'apps/ReplicaSet', 'apps/StatefulSet', 'apps/DaemonSet', 'batch/Job', 'batch/CronJob'].includes(key)) {
    o.status = key === 'apps/StatefulSet' ? { replicas: 0, availableReplicas: 0 } : {};
    if (key === 'apps/DaemonSet')
      o.status = {
        currentNumberScheduled: 0,
        numberMisscheduled: 0,
        desiredNumberScheduled: 0,
        numberReady: 0,
      };
  }
}

/** Kinds whose strategy sets metadata.generation (and bumps it on spec changes). */
export function tracksGeneration(group: string, kind: string, isCustom: boolean): boolean {
  if (isCustom) return true;
  return (
    [
      'apps',
      'batch',
      'networking.k8s.io',
      'policy',
      'admissionregistration.k8s.io',
      'apiextensions.k8s.io',
      'flowcontrol.apiserver.k8s.io',
    ].includes(group) ||
    (group === '' && kind === 'ReplicationController')
  );
}
