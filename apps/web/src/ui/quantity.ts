/**
 * Kubernetes resource quantities (k8s.io/apimachinery resource.Quantity): a decimal number with an
 * optional binary (Ki…Ei), decimal (n, u, m, k, M, G, T, P, E) or exponent (e3, E-2) suffix.
 * Values are only compared for bar widths; the exact strings from the API are what the user reads.
 */
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

export function parseQuantity(quantity: string): number | undefined {
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+))(.*)$/.exec(quantity.trim());
  if (!match) return undefined;
  const number = Number(match[1]);
  const suffix = match[2] ?? '';
  if (suffix in BINARY) return number * (BINARY[suffix] as number);
  if (suffix in DECIMAL) return number * (DECIMAL[suffix] as number);
  const exponent = /^[eE]([+-]?\d+)$/.exec(suffix);
  if (exponent) return number * 10 ** Number(exponent[1]);
  return undefined;
}

export interface QuotaLine {
  resource: string;
  hard: string;
  allocated?: string;
  used?: string;
  /** Shares of `hard`, in percent, clamped to 0..100 for drawing (the text keeps the true values). */
  allocatedPercent: number;
  usedPercent: number;
  /** Allocated or used beyond hard: drawn in the failure colour. */
  over: boolean;
}

const percentOf = (part: string | undefined, whole: number | undefined): number => {
  const value = part === undefined ? 0 : parseQuantity(part);
  if (value === undefined || whole === undefined || whole <= 0) return 0;
  return (value / whole) * 100;
};

/** One line per resource of a quota, sorted by resource name, from the API's hard/allocated/used maps. */
export function quotaLines(
  hard: Record<string, string>,
  allocated: Record<string, string> = {},
  used: Record<string, string> = {},
): QuotaLine[] {
  return Object.keys(hard)
    .sort()
    .map((resource) => {
      const whole = parseQuantity(hard[resource] as string);
      const allocatedPercent = percentOf(allocated[resource], whole);
      const usedPercent = percentOf(used[resource], whole);
      return {
        resource,
        hard: hard[resource] as string,
        allocated: allocated[resource],
        used: used[resource],
        allocatedPercent: Math.min(100, Math.max(0, allocatedPercent)),
        usedPercent: Math.min(100, Math.max(0, usedPercent)),
        over: allocatedPercent > 100 || usedPercent > 100,
      };
    });
}
