import { describe, expect, it, vi } from 'vitest';
import { refreshDelayMs, REFRESH_TOKEN_KEY, Session, type SessionDeps, type TokenPair } from './session';

class MemoryStorage {
  readonly values = new Map<string, string>();
  getItem = (key: string) => this.values.get(key) ?? null;
  setItem = (key: string, value: string) => void this.values.set(key, value);
  removeItem = (key: string) => void this.values.delete(key);
}

const pair = (n: number, expiresIn = 900): TokenPair => ({
  accessToken: `access-${n}`,
  refreshToken: `refresh-${n}`,
  expiresIn,
  tokenType: 'Bearer',
});

/** A session on a fake clock whose timers the test fires by hand. */
function harness(overrides: Partial<SessionDeps> = {}) {
  let now = 1_000_000;
  const timers: { at: number; fn: () => void; cleared: boolean }[] = [];
  const storage = new MemoryStorage();
  let issued = 1;
  const refresh = vi.fn(async (token: string) => {
    if (token !== `refresh-${issued}`) throw new Error('refresh token reused');
    issued += 1;
    return pair(issued);
  });
  const revoke = vi.fn(async () => undefined);
  const session = new Session({
    storage,
    refresh,
    revoke,
    now: () => now,
    setTimer: (fn, ms) => {
      const timer = { at: now + ms, fn, cleared: false };
      timers.push(timer);
      return timer;
    },
    clearTimer: (handle) => void ((handle as { cleared: boolean }).cleared = true),
    ...overrides,
  });
  const advance = async (ms: number) => {
    now += ms;
    for (const timer of timers.filter((t) => !t.cleared && t.at <= now)) {
      timer.cleared = true;
      timer.fn();
    }
    await Promise.resolve();
    await Promise.resolve();
  };
  return { session, storage, refresh, revoke, advance };
}

describe('Session', () => {
  it('renews a minute before expiry, or at 80% of a lifetime under five minutes', () => {
    expect(refreshDelayMs(900)).toBe(840_000);
    expect(refreshDelayMs(60)).toBe(48_000);
    expect(refreshDelayMs(100)).toBe(80_000);
  });

  it('keeps the access token in memory only and the refresh token in storage', async () => {
    const { session, storage } = harness();
    session.accept(pair(1));
    expect(await session.token()).toBe('access-1');
    expect([...storage.values.entries()]).toEqual([[REFRESH_TOKEN_KEY, 'refresh-1']]);
  });

  it('refreshes silently before the access token expires and rotates the stored refresh token', async () => {
    const { session, storage, refresh, advance } = harness();
    session.accept(pair(1));
    await advance(839_000);
    expect(refresh).not.toHaveBeenCalled();
    await advance(1_000);
    expect(refresh).toHaveBeenCalledWith('refresh-1');
    expect(await session.token()).toBe('access-2');
    expect(storage.getItem(REFRESH_TOKEN_KEY)).toBe('refresh-2');
  });

  it('resumes after a reload from the stored refresh token alone', async () => {
    const first = harness();
    first.session.accept(pair(1));
    const reloaded = harness({ storage: first.storage, refresh: first.refresh });
    expect(reloaded.session.signedIn).toBe(false);
    expect(reloaded.session.resumable).toBe(true);
    expect(await reloaded.session.token()).toBe('access-2');
  });

  it('exchanges a refresh token once however many requests need a token at the same time', async () => {
    const { session, refresh } = harness();
    session.accept(pair(1));
    const tokens = await Promise.all([session.refresh(), session.refresh(), session.refresh()]);
    expect(tokens).toEqual(['access-2', 'access-2', 'access-2']);
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  it('signs out when a refresh is refused, and tells its listeners', async () => {
    const { session, storage } = harness({ refresh: async () => Promise.reject(new Error('revoked')) });
    const seen: boolean[] = [];
    session.subscribe((signedIn) => seen.push(signedIn));
    session.accept(pair(1));
    expect(await session.refresh()).toBeNull();
    expect(session.signedIn).toBe(false);
    expect(storage.getItem(REFRESH_TOKEN_KEY)).toBeNull();
    expect(seen).toEqual([true, false]);
  });

  it('revokes the refresh token at sign-out and forgets the session even if revocation fails', async () => {
    const revoke = vi.fn(async () => Promise.reject(new Error('network down')));
    const { session, storage } = harness({ revoke });
    session.accept(pair(1));
    await expect(session.signOut()).rejects.toThrow('network down');
    expect(revoke).toHaveBeenCalledWith('refresh-1');
    expect(session.signedIn).toBe(false);
    expect(storage.getItem(REFRESH_TOKEN_KEY)).toBeNull();
  });
});
