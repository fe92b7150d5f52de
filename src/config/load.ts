/** Loads the daemon's configuration from a YAML file (or from nothing: built-in defaults). */
import { readFile } from 'node:fs/promises';
import { ConfigError, errorMessage } from '../../internal/errors/index.js';
import { ConfigIssues } from './issues.js';
import { CONFIG_PATH_ENV, resolveConfig, resolveSource } from './resolve.js';
import type { MessengerConfig } from './types.js';

/** A resolved configuration and the file it came from (undefined: built-in defaults). */
export interface LoadedConfig {
  /** The complete, validated configuration. */
  config: MessengerConfig;
  /** The file read, as given; undefined when no file was used. */
  path: string | undefined;
}

/**
 * Reads the config file at `path`, else at `$KEYOP_MESSENGER_CONFIG`, else uses the built-in
 * defaults (data dir `./data`, local only, HTTP on 127.0.0.1:4437). An empty file (or one holding
 * only comments or `~`) also means all defaults. `KEYOP_MESSENGER_DATA_DIR` overrides
 * `storage.data_dir`.
 *
 * @throws ConfigError (`ERR_CONFIG`) listing every problem as `key.path (line L:C) …`; a missing or
 *   unreadable file is a ConfigError naming the path.
 */
export async function loadConfigFile(
  path: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoadedConfig> {
  const file = path ?? nonEmpty(env[CONFIG_PATH_ENV]);
  if (file === undefined) return { config: resolveConfig({}, { env }), path: undefined };
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`open config ${JSON.stringify(file)}: ${errorMessage(err)}`], file);
  }
  // The YAML parser is loaded only when a file is read: `Messenger.open` with an object never pays for it.
  const { parseYamlSource } = await import('./yaml-source.js');
  const issues = new ConfigIssues();
  const root = parseYamlSource(text, issues);
  issues.throwIfAny(file);
  const config = resolveSource(root ?? { kind: 'empty', origin: undefined }, 'yaml', issues, { env });
  issues.throwIfAny(file);
  return { config, path: file };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
