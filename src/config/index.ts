/**
 * Configuration: the YAML file of the daemon (Go-compatible keys plus `http` and `log`) and the
 * config object of the library, both resolved through one pipeline with the same defaults and the
 * same validation.
 */
export type {
  DeepPartial,
  DeepReadonly,
  HubRefConfig,
  LogLevel,
  ReadinessHubs,
  MessengerConfig,
  MessengerConfigInput,
  PeerPolicyConfig,
  SyncPolicy,
  TlsMinVersion,
} from './types.js';
export { DEFAULT_CONFIG, DEFAULT_HTTP_LISTEN_ADDR } from './defaults.js';
export { CONFIG_PATH_ENV, DATA_DIR_ENV, resolveConfig } from './resolve.js';
export type { ResolveOptions } from './resolve.js';
export { loadConfigFile } from './load.js';
export type { LoadedConfig } from './load.js';
export { anonymousExposureProblem, isLoopbackListenAddr } from './validate-http.js';
export {
  EPHEMERAL_DEFAULTS,
  resolveEphemeralConfig,
  type EphemeralConfig,
  type EphemeralTlsConfig,
  type ResolvedEphemeralConfig,
} from './ephemeral.js';
