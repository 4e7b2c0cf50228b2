// A raw HTTPS client for specs: exact status, headers and body, no client library in between.
import { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:https';

export interface RawResponse {
  status: number;
  contentType: string;
  headers: IncomingHttpHeaders;
  text: string;
  json(): unknown;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  token?: string | null;
  /** A PEM client certificate and key for the TLS handshake. */
  cert?: string;
  key?: string;
}

export function rawRequest(server: { url: string; caCert: string; adminToken: string }, r: RawRequest): Promise<RawResponse> {
  const url = new URL(r.path, server.url);
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  const token = r.token === undefined ? server.adminToken : r.token;
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (r.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(r.body));
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: r.method ?? 'GET',
        headers,
        ca: server.caCert,
        cert: r.cert,
        key: r.key,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            headers: res.headers,
            text,
            json: () => JSON.parse(text) as unknown,
          });
        });
      },
    );
    req.on('error', reject);
    if (r.body !== undefined) req.write(r.body);
    req.end();
  });
}

/** Turns a reference file's `request` (curl arguments without server and token) into a RawRequest. */
export function fromCurl(curl: string): RawRequest {
  const at = curl.lastIndexOf(' /');
  const path = at >= 0 ? curl.slice(at + 1) : curl;
  let opts = at >= 0 ? curl.slice(0, at) : '';
  const r: RawRequest = { path, headers: {} };
  const data = /(?:^|\s)(?:-d|--data-binary) ([\s\S]*)$/.exec(opts);
  if (data) {
    r.body = data[1];
    opts = opts.slice(0, data.index);
  }
  const method = /-X (\S+)/.exec(opts);
  if (method) r.method = method[1];
  else if (r.body !== undefined) r.method = 'POST';
  for (const m of opts.matchAll(/-H ([^:]+): (.*?)(?= -H | -X |$)/g)) (r.headers as Record<string, string>)[m[1]] = m[2];
  return r;
}
