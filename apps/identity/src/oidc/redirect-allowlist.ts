/**
 * Where an OIDC login may send the browser back to, with tokens in the fragment: an open redirect
 * there would hand tokens to anyone. A target is allowed when it is an absolute http(s) URL with
 * the origin of an allowed entry and a path equal to or below the entry's path (after WHATWG URL
 * normalisation, so `..`, backslashes and odd hosts cannot slip past a string comparison).
 */
export class RedirectAllowList {
  private readonly entries: URL[];

  constructor(entries: string[]) {
    this.entries = entries.map((entry) => new URL(entry));
    if (this.entries.length === 0) throw new Error('an allow-list needs at least one entry');
  }

  static parse(commaSeparated: string): RedirectAllowList {
    return new RedirectAllowList(
      commaSeparated
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== ''),
    );
  }

  /** The normalised target without fragment, the first entry when absent, or null when not allowed. */
  resolve(target: string | undefined): string | null {
    if (target === undefined || target === '') return this.withoutFragment(this.entries[0] as URL);
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return null;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    if (url.username !== '' || url.password !== '') return null;
    const allowed = this.entries.some((entry) => entry.origin === url.origin && RedirectAllowList.pathCovers(entry.pathname, url.pathname));
    return allowed ? this.withoutFragment(url) : null;
  }

  private static pathCovers(allowed: string, path: string): boolean {
    if (path === allowed) return true;
    const prefix = allowed.endsWith('/') ? allowed : `${allowed}/`;
    return path.startsWith(prefix);
  }

  private withoutFragment(url: URL): string {
    const copy = new URL(url.href);
    copy.hash = '';
    return copy.href;
  }
}
