import type { components } from './schema.gen';

export type TokenPair = components['schemas']['TokenPairView'];

/**
 * The signed-in session. The access token lives only in memory. The refresh token is kept in
 * sessionStorage, so a reload of this tab keeps the session while other tabs, other sites and a
 * closed tab do not (README "Web console" explains why that is safe enough: it is single use,
 * rotated on every refresh, revoked at logout, and a reused one revokes its whole family).
 * The access token is refreshed a minute before it expires (at 80% of a lifetime under five minutes).
 */
export const REFRESH_TOKEN_KEY = 'cube.refreshToken';

export interface SessionStorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface SessionDeps {
  /** POST /api/v1/auth/refresh: resolves with a new pair or rejects (expired, revoked, network). */
  refresh(refreshToken: string): Promise<TokenPair>;
  /** POST /api/v1/auth/logout. */
  revoke(refreshToken: string): Promise<void>;
  storage: SessionStorageLike;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export type SessionListener = (signedIn: boolean) => void;

/** How long before expiry the access token is renewed. */
export function refreshDelayMs(expiresInSeconds: number): number {
  const lifetime = expiresInSeconds * 1000;
  return Math.max(lifetime - 60_000, lifetime * 0.8);
}

export class Session {
  private accessToken: string | null = null;
  private expiresAt = 0;
  private timer: unknown = null;
  private inflight: Promise<string | null> | null = null;
  private readonly listeners = new Set<SessionListener>();
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  constructor(private readonly deps: SessionDeps) {
    this.now = deps.now ?? Date.now;
    this.setTimer = deps.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = deps.clearTimer ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>));
  }

  get signedIn(): boolean {
    return this.accessToken !== null;
  }

  /** Whether a refresh token from an earlier page load may resume the session. */
  get resumable(): boolean {
    return this.deps.storage.getItem(REFRESH_TOKEN_KEY) !== null;
  }

  subscribe(listener: SessionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stores a pair from login, refresh or the OIDC fragment, and schedules its renewal. */
  accept(pair: TokenPair): void {
    const was = this.signedIn;
    this.accessToken = pair.accessToken;
    this.expiresAt = this.now() + pair.expiresIn * 1000;
    this.deps.storage.setItem(REFRESH_TOKEN_KEY, pair.refreshToken);
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = this.setTimer(() => void this.refresh(), refreshDelayMs(pair.expiresIn));
    if (!was) this.emit(true);
  }

  /** A valid access token, refreshing first when the current one has expired; null when signed out. */
  async token(): Promise<string | null> {
    if (this.accessToken && this.now() < this.expiresAt - 5_000) return this.accessToken;
    if (!this.resumable) return null;
    return this.refresh();
  }

  /**
   * Exchanges the refresh token once, however many callers ask at the same time (refresh tokens are
   * single use: two parallel exchanges would look like reuse and revoke the family).
   */
  refresh(): Promise<string | null> {
    if (this.inflight) return this.inflight;
    const refreshToken = this.deps.storage.getItem(REFRESH_TOKEN_KEY);
    if (!refreshToken) return Promise.resolve(null);
    this.inflight = this.deps
      .refresh(refreshToken)
      .then(
        (pair) => {
          this.accept(pair);
          return pair.accessToken;
        },
        () => {
          this.clear();
          return null;
        },
      )
      .finally(() => {
        this.inflight = null;
      });
    return this.inflight;
  }

  /** Revokes the refresh token at the gateway, then forgets everything (even if revocation fails). */
  async signOut(): Promise<void> {
    const refreshToken = this.deps.storage.getItem(REFRESH_TOKEN_KEY);
    try {
      if (refreshToken) await this.deps.revoke(refreshToken);
    } finally {
      this.clear();
    }
  }

  /** Drops the session locally (after a failed refresh or a 401 that a refresh could not mend). */
  clear(): void {
    const was = this.signedIn || this.resumable;
    this.accessToken = null;
    this.expiresAt = 0;
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    this.deps.storage.removeItem(REFRESH_TOKEN_KEY);
    if (was) this.emit(false);
  }

  private emit(signedIn: boolean): void {
    for (const listener of this.listeners) listener(signedIn);
  }
}
