/** The answers to a refused request: 401 with a Bearer challenge, or 403. */
import type http from 'node:http';
import type { CorsPolicy } from '../cors.js';
import type { AccessDecision } from './http-auth.js';

/** A refusal (`allowed` false). */
export type Refusal = Extract<AccessDecision, { allowed: false }>;

/**
 * The 403 for a change asked by a browser page of an origin `cors` does not allow (cross-site request
 * forgery, whatever the credential), or undefined when the request is not one.
 */
export function foreignChangeRefusal(req: http.IncomingMessage, cors: CorsPolicy): Refusal | undefined {
  const origin = cors.foreignChange(req);
  if (origin === undefined) return undefined;
  const reason = `a page of origin ${JSON.stringify(origin)} may not make changes here (not in http.cors_origins)`;
  return { allowed: false, status: 403, badCredential: false, reason, client: undefined };
}

/** Sends the plain-text answer of a refusal (`decision.allowed` is false). */
export function refuseAccess(res: http.ServerResponse, decision: Refusal): void {
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
  if (decision.status === 401) {
    const error = decision.badCredential ? ', error="invalid_token"' : '';
    headers['www-authenticate'] = `Bearer realm="keyop-messenger"${error}`;
  }
  res.writeHead(decision.status, headers);
  res.end(`${decision.reason}\n`);
}
