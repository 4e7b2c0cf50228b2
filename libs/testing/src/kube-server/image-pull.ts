// The kubelet's image pull, as far as the test server needs it: a registry host under the reserved
// `.invalid` TLD (RFC 2606) can never resolve, so a pod naming such an image stays Pending with its
// container waiting in ErrImagePull, as a real kubelet reports it. This is the faithful way for a
// test to get a workload that is not ready; every other image "pulls".
import { at, KubeObject, now } from './types';

const UNRESOLVABLE = /^[^/]+\.invalid(:\d+)?\//;

/** The first container image of the pod that cannot be pulled, if any. */
export function unpullableImage(pod: KubeObject): string | undefined {
  const containers = [
    ...((at(pod, 'spec', 'initContainers') as Record<string, unknown>[] | undefined) ?? []),
    ...((at(pod, 'spec', 'containers') as Record<string, unknown>[] | undefined) ?? []),
  ];
  return containers.map((c) => String(c.image ?? '')).find((image) => UNRESOLVABLE.test(image));
}

/** The status a kubelet (containerd) reports for a pod whose image pull failed. */
export function imagePullFailedStatus(pod: KubeObject, image: string): Record<string, unknown> {
  const ts = now();
  const host = image.split('/')[0];
  const containers = (at(pod, 'spec', 'containers') as Record<string, unknown>[]) ?? [];
  const message = `failed to pull and unpack image "${image}": failed to resolve reference "${image}": failed to do request: Head "https://${host}/v2/": dial tcp: lookup ${host.replace(/:\d+$/, '')}: no such host`;
  const notReady = {
    status: 'False',
    lastProbeTime: null,
    lastTransitionTime: ts,
    reason: 'ContainersNotReady',
    message: `containers with unready status: [${containers.map((c) => String(c.name)).join(' ')}]`,
  };
  return {
    phase: 'Pending',
    conditions: [
      { type: 'PodReadyToStartContainers', status: 'True', lastProbeTime: null, lastTransitionTime: ts },
      { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: ts },
      { type: 'Ready', ...notReady },
      { type: 'ContainersReady', ...notReady },
      {
        type: 'PodScheduled',
        status: 'True',
        lastProbeTime: null,
        lastTransitionTime: String(at(pod, 'metadata', 'creationTimestamp') ?? ts),
      },
    ],
    hostIP: '172.18.0.2',
    hostIPs: [{ ip: '172.18.0.2' }],
    startTime: ts,
    containerStatuses: containers.map((c) => ({
      name: c.name,
      image: String(c.image),
      imageID: '',
      ready: false,
      restartCount: 0,
      started: false,
      state: { waiting: String(c.image) === image ? { reason: 'ErrImagePull', message } : { reason: 'PodInitializing' } },
      lastState: {},
    })),
    qosClass: 'BestEffort',
  };
}
