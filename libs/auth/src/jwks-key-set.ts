import {
  createLocalJWKSet,
  errors,
  type CryptoKey,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWSHeaderParameters,
  type LocalJWKSet,
} from 'jose';

/**
 * The public keys access tokens are verified against, held in memory so verification stays
 * offline. Identity rotates its signing key by publishing a new `kid`; a token with a `kid` we do
 * not hold triggers one refresh, but at most once per cooldown so a flood of bogus kids cannot
 * hammer identity. The gateway fetches the set over NATS; Warden starts from its cached copy and
 * keeps working when the control plane is unreachable.
 */
export interface JwksKeySetOptions {
  /** Fetches the current JWKS (the gateway asks identity over NATS, Warden reads its cache). */
  fetchJwks: () => Promise<JSONWebKeySet>;
  /** A set to start from without fetching, e.g. Warden's persisted copy. */
  initial?: JSONWebKeySet;
  /** Least time between two refreshes caused by unknown kids. */
  refreshCooldownMs?: number;
  /** Called with each newly fetched set, so Warden can persist it for its next offline start. */
  onRefreshed?: (jwks: JSONWebKeySet) => void;
  now?: () => number;
}

export class JwksKeySet {
  private resolver: LocalJWKSet | undefined;
  private lastRefreshAt = Number.NEGATIVE_INFINITY;
  private refreshing: Promise<void> | undefined;
  private readonly fetchJwks: () => Promise<JSONWebKeySet>;
  private readonly refreshCooldownMs: number;
  private readonly onRefreshed: ((jwks: JSONWebKeySet) => void) | undefined;
  private readonly now: () => number;

  constructor(options: JwksKeySetOptions) {
    this.fetchJwks = options.fetchJwks;
    this.refreshCooldownMs = options.refreshCooldownMs ?? 30_000;
    this.onRefreshed = options.onRefreshed;
    this.now = options.now ?? Date.now;
    if (options.initial) this.resolver = createLocalJWKSet(options.initial);
  }

  /** The keys currently held (empty before the first fetch). */
  current(): JSONWebKeySet {
    return this.resolver ? this.resolver.jwks() : { keys: [] };
  }

  /**
   * Fetches the set now and replaces the held one; concurrent calls share one fetch. On failure
   * the held set stays and the error propagates to the caller.
   */
  refresh(): Promise<void> {
    this.refreshing ??= this.fetchAndReplace().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /**
   * The key for a token's protected header, in the shape jose's `jwtVerify` takes as a key
   * resolver. Throws jose's `JWKSNoMatchingKey` when the kid is unknown even after a refresh.
   */
  async keyFor(header: JWSHeaderParameters, token?: FlattenedJWSInput): Promise<CryptoKey> {
    // Cube tokens always name their key; without a kid rotation could not work.
    if (typeof header.kid !== 'string' || header.kid === '') {
      throw new errors.JWSInvalid('the token header has no kid');
    }
    if (this.resolver) {
      try {
        return await this.resolver(header, token);
      } catch (error) {
        if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      }
    }
    await this.refreshForUnknownKid();
    if (!this.resolver) throw new errors.JWKSNoMatchingKey();
    return this.resolver(header, token);
  }

  private async refreshForUnknownKid(): Promise<void> {
    if (this.refreshing) return this.refreshing.catch(() => undefined);
    if (this.now() - this.lastRefreshAt < this.refreshCooldownMs) return;
    // A failed fetch leaves the held set; the token is refused as signed by an unknown key.
    await this.refresh().catch(() => undefined);
  }

  private async fetchAndReplace(): Promise<void> {
    // Counted from the attempt, so an unreachable identity is not retried on every token either.
    this.lastRefreshAt = this.now();
    const jwks = await this.fetchJwks();
    this.resolver = createLocalJWKSet(jwks);
    this.onRefreshed?.(jwks);
  }
}
