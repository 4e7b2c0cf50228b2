/**
 * What a browser does in a login flow, without a browser: follows redirects, keeps cookies per
 * host and submits the provider's login form. It stops at a URL `stopAt` accepts (the SPA, which
 * does not exist in tests) or at a response that is neither a redirect nor a known form.
 */
export interface BrowserStop {
  url: string;
  status: number;
  body: string;
}

export class BrowserSession {
  private readonly cookies = new Map<string, Map<string, string>>();

  constructor(private readonly stopAt: (url: URL) => boolean) {}

  private cookieHeader(url: URL): string | undefined {
    const jar = this.cookies.get(url.host);
    if (!jar || jar.size === 0) return undefined;
    return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  private keepCookies(url: URL, response: Response): void {
    const jar = this.cookies.get(url.host) ?? new Map<string, string>();
    for (const header of response.headers.getSetCookie()) {
      const [pair = ''] = header.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(header) || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    this.cookies.set(url.host, jar);
  }

  /** Starts at `url` and goes on until `stopAt` or a page it cannot act on; `login` fills the login form. */
  async navigate(start: string, login?: string): Promise<BrowserStop> {
    let url = new URL(start);
    let method = 'GET';
    let body: string | undefined;
    for (let hop = 0; hop < 20; hop++) {
      if (this.stopAt(url)) return { url: url.href, status: 0, body: '' };
      const cookie = this.cookieHeader(url);
      const response = await fetch(url, {
        method,
        redirect: 'manual',
        headers: { ...(cookie ? { cookie } : {}), ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
        body,
      });
      this.keepCookies(url, response);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        url = new URL(location, url);
        [method, body] = ['GET', undefined];
        continue;
      }
      const text = await response.text();
      const action = /<form method="post" action="([^"]+)"/.exec(text)?.[1];
      if (response.status === 200 && action && login !== undefined) {
        url = new URL(action, url);
        [method, body] = ['POST', new URLSearchParams({ login }).toString()];
        login = undefined;
        continue;
      }
      return { url: url.href, status: response.status, body: text };
    }
    throw new Error(`more than 20 redirects from ${start}`);
  }
}
