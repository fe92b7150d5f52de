/**
 * Cross-key rules of the `http` section: who may use the endpoint must be decided before it listens
 * beyond the loopback interface, and nothing configured may be silently unused.
 */
import { isLoopbackHost } from '../../internal/http/index.js';
import { addressProblem, parseListenAddr } from '../../internal/net/index.js';
import { childPath, indexPath } from './issues.js';
import type { ConfigIssues } from './issues.js';
import type { MessengerConfig } from './types.js';

/** True when `http.auth` names a tokens file or a client. */
export function httpAuthConfigured(http: MessengerConfig['http']): boolean {
  return http.auth.tokensFile !== '' || http.auth.clients.length > 0;
}

/** True when `listenAddr` (a valid `host:port`) listens on the loopback interface only. */
export function isLoopbackListenAddr(listenAddr: string): boolean {
  return isLoopbackHost(parseListenAddr(listenAddr).host);
}

/**
 * The problem with serving anonymous clients on `listenAddr`, or undefined when that is allowed: on
 * loopback, with `http.auth` configured, or with the `http.insecure_allow_anonymous` opt-out.
 */
export function anonymousExposureProblem(
  listenAddr: string,
  http: MessengerConfig['http'],
): string | undefined {
  if (httpAuthConfigured(http) || http.insecureAllowAnonymous) return undefined;
  // An address that is not host:port is reported on its own.
  if (addressProblem(listenAddr, 'listen') !== undefined || isLoopbackListenAddr(listenAddr))
    return undefined;
  return (
    ` ${JSON.stringify(listenAddr)} is not a loopback address and http.auth is not configured: anyone ` +
    'who reaches it could create, append to and delete every channel. Configure http.auth (tokens_file ' +
    'and clients), listen on 127.0.0.1, or set http.insecure_allow_anonymous: true to accept that'
  );
}

/** Adds the `http` section's cross-key problems of `config` to `issues`. */
export function validateHttpConfig(config: MessengerConfig, issues: ConfigIssues): void {
  const { http, tls } = config;
  const { clients, tokensFile } = http.auth;
  clients.forEach((client, index) => {
    if (client.name === '')
      issues.add(childPath(indexPath('http.auth.clients', index), 'name'), ' is required');
  });
  if (clients.length > 0 && tokensFile === '' && tls.cert === '') {
    issues.add(
      'http.auth.clients',
      ' can never authenticate: set http.auth.tokens_file (bearer tokens), or tls.cert so that clients can present certificates',
    );
  }
  if (tokensFile !== '' && clients.length === 0) {
    issues.add('http.auth.tokens_file', ' is set but http.auth.clients lists no client to give rights to');
  }
  if (http.insecureAllowAnonymous && httpAuthConfigured(http)) {
    issues.add('http.insecure_allow_anonymous', ' cannot be true while http.auth is configured');
  }
  const exposure = anonymousExposureProblem(http.listenAddr, http);
  if (exposure !== undefined) issues.add('http.listen_addr', exposure);
}
