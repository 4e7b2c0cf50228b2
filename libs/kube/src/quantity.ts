// Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource): decimal SI and binary suffixes.
const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The value of a quantity in base units (cores, bytes, counts); NaN for what is not a quantity. */
export function quantityValue(quantity: string): number {
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?$/.exec(quantity.trim());
  if (!match?.[1]) return Number.NaN;
  return Number(match[1]) * (SUFFIX[match[2] ?? ''] ?? Number.NaN);
}

/** Formats a base-unit value: millis for fractions (`1500m`), plain integers otherwise. */
export function formatQuantity(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return `${Math.round(value * 1000)}m`;
}

/** Adds resource lists key by key (`{ 'requests.cpu': '500m' } + { 'requests.cpu': '1' }`); unparsable values are skipped. */
export function sumResourceLists(lists: readonly Record<string, string>[]): Record<string, string> {
  const totals = new Map<string, number>();
  for (const list of lists) {
    for (const [key, quantity] of Object.entries(list)) {
      const value = quantityValue(quantity);
      if (Number.isFinite(value)) totals.set(key, (totals.get(key) ?? 0) + value);
    }
  }
  return Object.fromEntries(
    [...totals.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, value]) => [key, formatQuantity(value)]),
  );
}
