/**
 * The package's internal face: how a Messenger is wired to the mechanisms of `internal/` (federation,
 * the HTTP endpoint, retention), the one back door to a Messenger's internals, and what the daemon
 * needs beyond the public face (`CONFIG_PATH_ENV`).
 *
 * Who may import it: the modules of `src/`, the daemon in `cmd/`, tests and benches. It is not
 * exported from the package (`package.json#exports` names only `src/index.ts`), so library users
 * never see it. Everything else in this folder is reached through this file, except
 * `http-serve.ts` and `federation.ts`, which `startHttpEndpoint` and `startFederation` load on first
 * use so that importing the library pays for neither the HTTP service nor federation.
 */
export {
  federationEnabled,
  federationStats,
  startFederation,
  type Federation,
  type FederationTuning,
} from './lazy-federation.js';
export { startHttpEndpoint, type HttpEndpoint, type HttpEndpointOptions } from './http-endpoint.js';
export { internalsOf, registerInternals, type MessengerInternals } from './internals.js';
export { RetentionAudit, retentionRulesOf } from './retention.js';
export { CONFIG_PATH_ENV } from '../config/index.js';
