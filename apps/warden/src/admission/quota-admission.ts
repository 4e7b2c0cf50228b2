import { TenantLedgerEntry } from '@cube/contracts';
import { decideQuotaChange, HardMap } from './quota-decision';

/** The parts of an `admission.k8s.io/v1` AdmissionReview the quota webhook reads and answers. */
export interface AdmissionReview {
  apiVersion?: string;
  kind?: string;
  request?: {
    uid: string;
    operation?: string;
    namespace?: string;
    name?: string;
    userInfo?: { username?: string; groups?: string[] };
    /** CreateOptions/UpdateOptions of the write (a server-side apply arrives as one of them, with its fieldManager). */
    options?: { fieldManager?: string } | null;
    object?: { metadata?: { name?: string }; spec?: { hard?: HardMap } };
    oldObject?: { spec?: { hard?: HardMap } } | null;
  };
}

export interface QuotaAdmissionOptions {
  /** The last synced ledger of this cluster (from the cache when NATS is away). */
  ledger: () => Iterable<TenantLedgerEntry>;
  /** Warden's own identities: its service account, and its user when it runs with a kubeconfig. */
  trustedUsers: () => ReadonlySet<string>;
  /**
   * The field manager Warden applies desired state under. Outside a cluster Warden's user is usually
   * the operator's own (the kubeconfig's admin): only writes under this manager pass unchecked, so the
   * same user's `kubectl edit` is still judged.
   */
  fieldManager: string;
}

/**
 * Validating admission of ResourceQuota writes in Cube namespaces: Warden applying tenancy's
 * desired state (its user, its field manager) passes (tenancy already enforced the invariant transactionally); anyone else's
 * create or update is checked against the ledger. Answers per admission.k8s.io/v1 (uid echoed,
 * a denial as a 403 Status whose message kubectl prints).
 */
export function quotaAdmission(options: QuotaAdmissionOptions): (review: unknown) => Promise<AdmissionReview & { response: unknown }> {
  return async (body: unknown) => {
    const request = (body as AdmissionReview).request;
    const respond = (response: Record<string, unknown>) => ({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: request?.uid ?? '', ...response },
    });
    if (!request?.uid)
      return respond({ allowed: false, status: { code: 400, reason: 'BadRequest', message: 'not an AdmissionReview request' } });
    const user = request.userInfo?.username ?? '';
    const wardenApplies = options.trustedUsers().has(user) && request.options?.fieldManager === options.fieldManager;
    if (wardenApplies || (request.operation !== 'CREATE' && request.operation !== 'UPDATE')) return respond({ allowed: true });
    const decision = decideQuotaChange(
      {
        namespace: request.namespace ?? '',
        name: request.object?.metadata?.name ?? request.name ?? '',
        hard: request.object?.spec?.hard ?? {},
        ...(request.operation === 'UPDATE' ? { oldHard: request.oldObject?.spec?.hard ?? {} } : {}),
      },
      options.ledger(),
    );
    if (decision.allowed) return respond({ allowed: true });
    return respond({ allowed: false, status: { code: 403, reason: 'Forbidden', message: decision.message } });
  };
}
