/** Raw HTTP(S) requests for endpoint tests: any `Host`, client certificates, TLS versions. */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { SecureVersion } from 'node:tls';

/** A received answer. */
export interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** Options of {@link send}. */
export interface SendOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** HTTPS: trust this CA, present this certificate and key, cap the protocol version. */
  readonly tls?: { ca: string; cert?: string; key?: string; maxVersion?: SecureVersion };
}

/** Sends one request on a fresh connection and reads the whole answer. */
export function send(url: string, options: SendOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const onResponse = (res: http.IncomingMessage): void => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.once('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    };
    const common = { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false as const };
    const req = url.startsWith('https:')
      ? https.request(url, { ...common, ...options.tls, servername: 'localhost' }, onResponse)
      : http.request(url, common, onResponse);
    req.once('error', reject);
    req.end(options.body);
  });
}

/** `Authorization: Bearer <token>`. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** The tokens file line of `token` for client `name`, as an operator writes it (see README). */
export function tokenFileLine(name: string, token: string): string {
  return `${name} sha256:${createHash('sha256').update(token).digest('hex')}`;
}
