import { formatQuantity, parseQuantity, QuantityError, TenantLedgerEntry } from '@cube/contracts';

export type HardMap = Record<string, string>;

export interface QuotaChange {
  namespace: string;
  /** The ResourceQuota's name, for the message. */
  name: string;
  /** `spec.hard` after the change. */
  hard: HardMap;
  /** `spec.hard` before it (UPDATE); absent for CREATE. */
  oldHard?: HardMap;
}

export type QuotaDecision = { allowed: true; reason: string } | { allowed: false; message: string };

/** The ledger entry whose tenant owns `namespace` in this cluster, if tenancy knows the namespace. */
export function ledgerEntryOf(namespace: string, ledger: Iterable<TenantLedgerEntry>): TenantLedgerEntry | undefined {
  for (const entry of ledger) if (Object.prototype.hasOwnProperty.call(entry.namespaces, namespace)) return entry;
  return undefined;
}

/**
 * The tenant invariant (ARCHITECTURE.md, quota): per resource, Σ over the tenant's namespaces in
 * this cluster ≤ the tenant's hard, with the changed namespace counted at its new hard and the
 * others at what the ledger holds for them. As in tenancy, a resource the tenant has no quota for
 * has nothing free. Only resources the change raises are checked, so lowering a quota or editing
 * its labels always passes even against a ledger that is behind. Quantities are compared exactly.
 */
export function decideQuotaChange(change: QuotaChange, ledger: Iterable<TenantLedgerEntry>): QuotaDecision {
  const entry = ledgerEntryOf(change.namespace, ledger);
  if (!entry) return { allowed: true, reason: `namespace ${change.namespace} is not in the quota ledger` };
  const violations: string[] = [];
  try {
    for (const [resource, text] of Object.entries(change.hard)) {
      const requested = parseQuantity(text);
      const before = change.oldHard?.[resource];
      if (before !== undefined && requested <= parseQuantity(before)) continue;
      const tenantHard = entry.hard[resource] === undefined ? 0n : parseQuantity(entry.hard[resource]);
      const others = Object.entries(entry.namespaces)
        .filter(([namespace, hard]) => namespace !== change.namespace && hard[resource] !== undefined)
        .map(([namespace, hard]) => ({ namespace, amount: parseQuantity(hard[resource] as string) }));
      const held = others.reduce((sum, other) => sum + other.amount, 0n);
      if (held + requested <= tenantHard) continue;
      const detail = others.length ? ` (${others.map((other) => `${other.namespace}: ${formatQuantity(other.amount)}`).join(', ')})` : '';
      violations.push(
        `${resource}: requested ${text}, tenant hard ${entry.hard[resource] ?? 'none'}, other namespaces hold ${formatQuantity(held)}${detail}, ` +
          `at most ${formatQuantity(tenantHard > held ? tenantHard - held : 0n)} is free`,
      );
    }
  } catch (error: unknown) {
    if (!(error instanceof QuantityError)) throw error;
    return { allowed: false, message: `ResourceQuota ${change.namespace}/${change.name}: ${error.message}` };
  }
  if (violations.length === 0) return { allowed: true, reason: 'within the tenant quota' };
  return {
    allowed: false,
    message:
      `ResourceQuota ${change.namespace}/${change.name} would exceed tenant "${entry.tenant}"'s quota in cluster "${entry.cluster}": ` +
      `${violations.join('; ')}. Change the namespace quota through Cube instead.`,
  };
}
