import { formatQuantity, parseQuantity } from '@cube/contracts';

/** A ResourceQuota `hard` map: quota resource name → quantity text. */
export type HardMap = Record<string, string>;

/** Σ of several hard maps, per resource, in exact nano-units. */
export function sumHard(maps: readonly HardMap[]): Map<string, bigint> {
  const sums = new Map<string, bigint>();
  for (const map of maps) {
    for (const [resource, amount] of Object.entries(map)) sums.set(resource, (sums.get(resource) ?? 0n) + parseQuantity(amount));
  }
  return sums;
}

export function formatAmounts(amounts: Map<string, bigint>): HardMap {
  return Object.fromEntries(
    [...amounts].sort(([a], [b]) => a.localeCompare(b)).map(([resource, amount]) => [resource, formatQuantity(amount)]),
  );
}

/** hard − allocated per resource of the tenant's quota (never below zero in a consistent ledger). */
export function freeOf(tenantHard: HardMap, allocated: Map<string, bigint>): Map<string, bigint> {
  const free = new Map<string, bigint>();
  for (const [resource, amount] of Object.entries(tenantHard)) free.set(resource, parseQuantity(amount) - (allocated.get(resource) ?? 0n));
  return free;
}

/**
 * The invariant Σ namespace hard ≤ tenant hard, per (tenant, cluster, resource), for one
 * namespace asking for `requested` while the tenant's other namespaces hold `others`. A resource
 * the tenant has no quota for has nothing free. Returns null when it fits, else what is free of
 * each requested resource and by how much the request exceeds it.
 */
export function namespaceAllocationRefusal(
  tenantHard: HardMap,
  others: readonly HardMap[],
  requested: HardMap,
): { free: HardMap; shortfall: HardMap } | null {
  const free = freeOf(tenantHard, sumHard(others));
  const freeOfRequested = new Map<string, bigint>();
  const shortfall = new Map<string, bigint>();
  for (const [resource, amount] of Object.entries(requested)) {
    const available = free.get(resource) ?? 0n;
    freeOfRequested.set(resource, available > 0n ? available : 0n);
    const wanted = parseQuantity(amount);
    if (wanted > available) shortfall.set(resource, wanted - available);
  }
  return shortfall.size === 0 ? null : { free: formatAmounts(freeOfRequested), shortfall: formatAmounts(shortfall) };
}

/**
 * A tenant's quota may not drop below what its namespaces hold (ARCHITECTURE.md): returns null
 * when `newHard` covers every allocated resource, else the shortfall per resource.
 */
export function tenantQuotaRefusal(newHard: HardMap, namespaces: readonly HardMap[]): { allocated: HardMap; shortfall: HardMap } | null {
  const allocated = sumHard(namespaces);
  const shortfall = new Map<string, bigint>();
  for (const [resource, amount] of allocated) {
    const hard = newHard[resource] === undefined ? 0n : parseQuantity(newHard[resource]);
    if (amount > hard) shortfall.set(resource, amount - hard);
  }
  return shortfall.size === 0 ? null : { allocated: formatAmounts(allocated), shortfall: formatAmounts(shortfall) };
}
