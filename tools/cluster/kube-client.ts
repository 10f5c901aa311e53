/**
 * A small REST client for the Kubernetes API (token auth over HTTPS), enough for the control plane's own
 * checks and for verify's server-side dry-run applies. We talk to the API directly rather than through
 * @kubernetes/client-node, whose 1.x releases are ESM-only and do not load under jest's CommonJS transform.
 */
import { request as httpsRequest, Agent } from 'node:https';
import { request as httpRequest } from 'node:http';

export interface KubeResponse {
  status: number;
  body: string;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
}

export interface KubeClientOptions {
  server: string;
  token: string;
  /** PEM of the CA that signed the serving certificate; when absent the certificate is not checked (loopback only). */
  ca?: string;
  timeoutMs?: number;
}

/** A Kubernetes Status object's message, or the raw body. */
export function statusMessage(res: KubeResponse): string {
  const j = res.json as { message?: unknown } | undefined;
  if (j && typeof j.message === 'string' && j.message !== '') return j.message;
  return res.body.trim() === '' ? `HTTP ${res.status}` : res.body.trim();
}

export class KubeClient {
  private readonly agent: Agent;

  constructor(private readonly opts: KubeClientOptions) {
    this.agent = new Agent({ keepAlive: true, maxSockets: 8, ca: opts.ca, rejectUnauthorized: opts.ca !== undefined });
  }

  get server(): string {
    return this.opts.server;
  }

  close(): void {
    this.agent.destroy();
  }

  request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<KubeResponse> {
    const url = new URL(path, this.opts.server);
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise<KubeResponse>((resolve, reject) => {
      const req = httpsRequest(
        url,
        {
          method,
          agent: this.agent,
          headers: {
            Authorization: `Bearer ${this.opts.token}`,
            Accept: 'application/json',
            ...(payload === undefined ? {} : { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) }),
          },
          timeout: this.opts.timeoutMs ?? 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            try {
              json = text === '' ? undefined : JSON.parse(text);
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, body: text, json });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname}: no answer within ${this.opts.timeoutMs ?? 30_000} ms`)));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  get(path: string): Promise<KubeResponse> {
    return this.request('GET', path);
  }
}

/**
 * One GET to a health endpoint: resolves to the status code and body, never rejects (connection errors
 * resolve to status 0 with the error message as the body). HTTPS certificates are not checked: loopback only.
 */
export function probe(url: string, token?: string, timeoutMs = 3_000): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  const requester = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = requester(
      u,
      {
        method: 'GET',
        timeout: timeoutMs,
        rejectUnauthorized: false,
        headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (e) => resolve({ status: 0, body: e.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, body: e.message }));
    req.end();
  });
}
