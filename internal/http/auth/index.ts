/**
 * Authentication and authorization of the HTTP endpoint (streams now; the admin API and console
 * reuse it): bearer tokens from a file or client certificates, rights on channel patterns, and the
 * 401/403 answers.
 */
export {
  HttpAuth,
  type AccessDecision,
  type AccessTarget,
  type HttpAuthSettings,
  type HttpClientRights,
  type HttpRight,
} from './http-auth.js';
export { foreignChangeRefusal, refuseAccess, type Refusal } from './refuse.js';
