/** The answers to a refused request: 401 with a Bearer challenge, or 403. */
import type http from 'node:http';
import type { AccessDecision } from './http-auth.js';

/** Sends the plain-text answer of a refusal (`decision.allowed` is false). */
export function refuseAccess(
  res: http.ServerResponse,
  decision: Extract<AccessDecision, { allowed: false }>,
): void {
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
  if (decision.status === 401) {
    const error = decision.badCredential ? ', error="invalid_token"' : '';
    headers['www-authenticate'] = `Bearer realm="keyop-messenger"${error}`;
  }
  res.writeHead(decision.status, headers);
  res.end(`${decision.reason}\n`);
}
