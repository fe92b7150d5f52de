/**
 * SIGHUP: reloads the configuration file of a running daemon. `log.level`, `hub.allowed_peers`
 * (the allowlist and its policies) and the TLS material (the files of `tls.cert`, `tls.key` and
 * `tls.ca`, read again even when their paths did not change; `tls.min_version`) are applied at once,
 * TLS for new connections only; any other changed key needs a restart and is logged as not applied,
 * by name. A file that does not load or validate changes nothing.
 */
import { systemClock } from '../../../internal/clock/index.js';
import { errorMessage } from '../../../internal/errors/index.js';
import type { MutualTlsOptions } from '../../../internal/tlsutil/index.js';
import { loadConfigFile, type Messenger, type MessengerConfig } from '../../../src/index.js';
import { internalsOf } from '../../../src/wiring/index.js';
import type { DaemonLogger } from './logger.js';
import { reloadTlsMaterial } from './tls-reload.js';

/** Where SIGHUP arrives: `process`, or an emitter standing in for it. */
export interface HangupSource {
  on(signal: 'SIGHUP', listener: () => void): unknown;
}

/**
 * The keys a reload applies, in the YAML spelling (the `tls` ones while TLS stays on: turning it on or
 * off needs a restart).
 */
export const RELOADABLE_KEYS = [
  'log.level',
  'hub.allowed_peers',
  'tls.cert',
  'tls.key',
  'tls.ca',
  'tls.min_version',
  'tls.expiry_warn_days',
] as const;

/** Settings of {@link watchReloads}. */
export interface ReloadOptions {
  readonly source: HangupSource;
  /** The config file the daemon was started with; undefined: built-in defaults (nothing to reload). */
  readonly configPath: string | undefined;
  readonly config: MessengerConfig;
  readonly messenger: Messenger;
  /** The TLS material the daemon started with (undefined without TLS). */
  readonly tls: MutualTlsOptions | undefined;
  /** Hands reloaded TLS material to the listeners and dialers (`RunningDaemon.reloadTls`). */
  readonly reloadTls: (tls: MutualTlsOptions) => void;
  readonly logger: DaemonLogger;
}

/** `someKey` as `some_key`. */
function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * The YAML paths of the leaves (and lists, compared whole) that differ between `a` and `b`, e.g.
 * `http.listen_addr`.
 */
export function changedKeys(a: unknown, b: unknown, at = ''): string[] {
  const isSection = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isSection(a) || !isSection(b)) return JSON.stringify(a) === JSON.stringify(b) ? [] : [at];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys.flatMap((key) => changedKeys(a[key], b[key], at === '' ? snake(key) : `${at}.${snake(key)}`));
}

/** Handles SIGHUP from now on: reloads, applies what can change safely, logs the rest. */
export function watchReloads(options: ReloadOptions): void {
  const { logger, messenger } = options;
  let running = options.config;
  let tls = options.tls;
  let reloading: Promise<void> = Promise.resolve();
  const reload = async (): Promise<void> => {
    if (options.configPath === undefined) {
      logger.warn({}, 'SIGHUP: no config file was given (built-in defaults); nothing to reload');
      return;
    }
    let next: MessengerConfig;
    try {
      next = (await loadConfigFile(options.configPath, process.env)).config;
    } catch (err) {
      logger.error(
        { config: options.configPath, problem: errorMessage(err) },
        'config reload failed; the running configuration is kept',
      );
      return;
    }
    const changed = changedKeys(running, next);
    const tlsStays = (running.tls.cert === '') === (next.tls.cert === '');
    const reloadable = new Set<string>(RELOADABLE_KEYS.filter((key) => tlsStays || !key.startsWith('tls.')));
    const restart = changed.filter((key) => !reloadable.has(key));
    const applied = changed.filter((key) => reloadable.has(key));
    if (applied.includes('hub.allowed_peers')) {
      internalsOf(messenger).federation()?.hub?.setAllowedPeers(next.hub.allowedPeers);
    }
    const reloaded = await reloadTlsMaterial({
      running: tls,
      next,
      configPath: options.configPath,
      apply: options.reloadTls,
      logger,
      now: systemClock.now(),
    });
    tls = reloaded.tls;
    running = {
      ...running,
      log: next.log,
      hub: { ...running.hub, allowedPeers: next.hub.allowedPeers },
      ...(reloaded.outcome === 'reloaded' || reloaded.outcome === 'unchanged' ? { tls: next.tls } : {}),
    };
    if (restart.length > 0) {
      logger.warn({ keys: restart }, 'config reload: these changed keys need a restart and were not applied');
    }
    logger.info(
      {
        config: options.configPath,
        applied: applied.filter((key) => !key.startsWith('tls.')),
        tls: reloaded.outcome,
      },
      'configuration reloaded',
    );
    // Last, so that the line above is written at the level it was asked at.
    if (applied.includes('log.level')) logger.level = next.log.level;
  };
  options.source.on('SIGHUP', () => {
    reloading = reloading.then(reload);
  });
}
