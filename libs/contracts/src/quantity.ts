/**
 * Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource) as exact integers of
 * nano-units: `500m` is 500_000_000n, `2Gi` is 2 * 1024^3 * 10^9. BigInt only, never floats, so
 * `0.1` equals `100m` and `1Gi` equals `1024Mi`. As in Kubernetes, a value finer than a nano-unit
 * is rounded up to the next nano-unit.
 */
export type Quantity = bigint;

const NANO = 1_000_000_000n;

const BINARY_SUFFIXES: Record<string, bigint> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};
const DECIMAL_EXPONENTS: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

// The grammar of resource.ParseQuantity, without a sign: quota amounts cannot be negative.
const QUANTITY = /^\+?(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d{1,3})?$/;

export class QuantityError extends Error {
  constructor(readonly text: string) {
    super(`"${text}" is not a Kubernetes quantity (e.g. 500m, 2, 1.5, 2Gi, 1e3)`);
    this.name = 'QuantityError';
  }
}

/** Parses a quantity into nano-units; throws QuantityError on anything Kubernetes would refuse. */
export function parseQuantity(text: string): Quantity {
  if (typeof text !== 'string' || text.length > 64) throw new QuantityError(String(text));
  const match = QUANTITY.exec(text);
  if (!match) throw new QuantityError(text);
  const [, number = '', suffix = ''] = match;
  const [whole = '', fraction = ''] = number.split('.');
  // digits × 10^(-fraction length): an exact decimal as an integer and a power of ten.
  const digits = BigInt(`${whole}${fraction}` || '0');
  let exponent = -fraction.length;
  let multiplier = 1n;
  if (suffix in BINARY_SUFFIXES) multiplier = BINARY_SUFFIXES[suffix] as bigint;
  else if (suffix.startsWith('e') || suffix.startsWith('E')) exponent += Number(suffix.slice(1));
  else exponent += DECIMAL_EXPONENTS[suffix] as number;
  // In nano-units: digits × multiplier × 10^(exponent + 9), rounded up when the power is negative.
  const power = exponent + 9;
  const scaled = digits * multiplier;
  if (power >= 0) return scaled * 10n ** BigInt(power);
  const divisor = 10n ** BigInt(-power);
  return (scaled + divisor - 1n) / divisor;
}

export function isQuantity(text: string): boolean {
  try {
    parseQuantity(text);
    return true;
  } catch {
    return false;
  }
}

/** -1, 0 or 1, like Kubernetes' Quantity.Cmp. */
export function compareQuantities(a: Quantity, b: Quantity): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A canonical text for a nano-unit amount: `2`, `500m`, `2Gi`, `1500u`, `3n`. */
export function formatQuantity(value: Quantity): string {
  if (value < 0n) return `-${formatQuantity(-value)}`;
  if (value % NANO !== 0n) {
    if (value % 1_000_000n === 0n) return `${value / 1_000_000n}m`;
    if (value % 1_000n === 0n) return `${value / 1_000n}u`;
    return `${value}n`;
  }
  const units = value / NANO;
  if (units !== 0n) {
    for (const suffix of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki']) {
      const size = BINARY_SUFFIXES[suffix] as bigint;
      if (units % size === 0n) return `${units / size}${suffix}`;
    }
  }
  return `${units}`;
}

/** True when the amount is a whole number (object counts such as `pods` cannot be fractional). */
export function isWholeQuantity(value: Quantity): boolean {
  return value % NANO === 0n;
}
