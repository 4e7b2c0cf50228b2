/**
 * The resource names a Cube quota may set (issue 6), as ResourceQuota `spec.hard` keys. Object
 * counts follow Kubernetes' `count/<resource>.<group>` syntax (core resources have no group).
 */
export const QUOTA_RESOURCE_NAMES = [
  'requests.cpu',
  'limits.cpu',
  'requests.memory',
  'limits.memory',
  'requests.storage',
  'pods',
  'requests.nvidia.com/gpu',
] as const;

const DNS_LABEL_PART = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const COUNT_KEY = new RegExp(`^count/${DNS_LABEL_PART}(\\.${DNS_LABEL_PART})*$`);

export function isQuotaKey(key: string): boolean {
  return (QUOTA_RESOURCE_NAMES as readonly string[]).includes(key) || (key.length <= 253 && COUNT_KEY.test(key));
}

/** Keys that count objects or devices: their amounts must be whole numbers. */
export function isCountingQuotaKey(key: string): boolean {
  return key === 'pods' || key === 'requests.nvidia.com/gpu' || key.startsWith('count/');
}
