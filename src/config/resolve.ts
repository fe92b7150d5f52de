/**
 * The one pipeline every configuration goes through, whether it came from a YAML file or a config
 * object: decode with defaults → environment overrides → identity → cross-key validation.
 */
import { decodeSection } from './decode.js';
import type { KeyStyle } from './decode.js';
import { DEFAULT_CONFIG } from './defaults.js';
import { resolveIdentity } from './identity.js';
import { ConfigIssues } from './issues.js';
import { CONFIG_SCHEMA } from './schema.js';
import type { AnyFieldsSpec } from './schema.js';
import { objectSource } from './source.js';
import type { SourceNode } from './source.js';
import type { MessengerConfig, MessengerConfigInput } from './types.js';
import { validateConfig } from './validate.js';

/** Environment variable naming the config file when none is given on the command line. */
export const CONFIG_PATH_ENV = 'KEYOP_MESSENGER_CONFIG';

/** Environment variable that overrides `storage.data_dir`. */
export const DATA_DIR_ENV = 'KEYOP_MESSENGER_DATA_DIR';

/** Options of {@link resolveConfig}. */
export interface ResolveOptions {
  /** The library sets this: `storage.data_dir` has no default and must be given (or come from the env). */
  readonly requireDataDir?: boolean;
  /** Environment to read overrides from; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

const SCHEMA: AnyFieldsSpec = CONFIG_SCHEMA;

/**
 * Turns a config object (camelCase mirror of the YAML keys, every key optional) into a complete
 * {@link MessengerConfig}: defaults for missing keys, `KEYOP_MESSENGER_DATA_DIR` applied, the
 * identity settled, and everything validated.
 *
 * @throws ConfigError (`ERR_CONFIG`) listing every problem at once, key paths in YAML (snake_case)
 *   form, e.g. `storage.data_dir is required`.
 */
export function resolveConfig(input: MessengerConfigInput, options: ResolveOptions = {}): MessengerConfig {
  const issues = new ConfigIssues();
  const config = resolveSource(objectSource(input), 'object', issues, options);
  issues.throwIfAny();
  return config;
}

/**
 * Resolves a raw input tree, adding every problem to `issues` (the caller throws). The returned
 * config is only meaningful when no issue was added.
 */
export function resolveSource(
  root: SourceNode,
  style: KeyStyle,
  issues: ConfigIssues,
  options: ResolveOptions,
): MessengerConfig {
  const dataDir = options.requireDataDir === true ? '' : DEFAULT_CONFIG.storage.dataDir;
  const defaults = { name: '', ...DEFAULT_CONFIG, storage: { ...DEFAULT_CONFIG.storage, dataDir } };
  const config = decodeSection(SCHEMA, defaults, root, style, issues) as unknown as MessengerConfig;
  applyEnvironment(config, options.env ?? process.env, issues);
  resolveIdentity(config, issues);
  validateConfig(config, issues);
  return config;
}

function applyEnvironment(config: MessengerConfig, env: NodeJS.ProcessEnv, issues: ConfigIssues): void {
  const dataDir = env[DATA_DIR_ENV];
  if (dataDir !== undefined && dataDir !== '') {
    config.storage.dataDir = dataDir;
    issues.record('storage.data_dir', { env: DATA_DIR_ENV });
  }
}
