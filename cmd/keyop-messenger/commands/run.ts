/** `keyop-messenger run`: the daemon. */
import path from 'node:path';
import type { Command } from 'commander';
import { systemClock } from '../../../internal/clock/index.js';
import { loadConfigFile } from '../../../src/index.js';
import { CONFIG_PATH_ENV } from '../../../src/wiring/index.js';
import type { CliContext } from '../cli.js';
import { loadTlsMaterial, warnExpiringCertificates } from '../daemon/certificates.js';
import { startDaemon } from '../daemon/daemon.js';
import { createDaemonLogger } from '../daemon/logger.js';
import { watchReloads } from '../daemon/reload.js';
import { SHUTDOWN_DEADLINE_MS, watchStopSignals } from '../daemon/stop-signals.js';

interface RunFlags {
  readonly config?: string;
}

/** Registers `run [-c FILE]`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('run')
    .description(
      'run the daemon until SIGTERM or SIGINT; SIGHUP reloads log.level, hub.allowed_peers and the TLS files (JSON logs on stdout)',
    )
    .option(
      '-c, --config <file>',
      `config file (default: $${CONFIG_PATH_ENV}, else built-in defaults: data dir ./data, HTTP on 127.0.0.1:4437)`,
    )
    .action(async (flags: RunFlags) => {
      await runDaemon(flags, ctx);
    });
}

/**
 * Loads and checks the configuration (a ConfigError exits 78), starts the daemon, waits for SIGTERM or
 * SIGINT, and shuts down gracefully; resolving means exit 0.
 */
async function runDaemon(flags: RunFlags, ctx: CliContext): Promise<void> {
  const { config, path: configPath } = await loadConfigFile(flags.config, process.env);
  const tls = await loadTlsMaterial(config, configPath);
  const logger = createDaemonLogger(config.log.level);
  const stopRequested = watchStopSignals({
    source: process,
    logger,
    clock: systemClock,
    deadlineMs: SHUTDOWN_DEADLINE_MS,
    forceExit: (code) => process.exit(code),
  });
  await warnExpiringCertificates(config, logger, systemClock.now());

  const daemon = await startDaemon(config, logger, tls);
  watchReloads({
    source: process,
    configPath,
    config,
    messenger: daemon.messenger,
    tls,
    reloadTls: (next) => {
      daemon.reloadTls(next);
    },
    logger,
  });
  logger.info(
    {
      version: ctx.version,
      instance: config.name,
      config: configPath ?? '(built-in defaults)',
      dataDir: path.resolve(config.storage.dataDir),
      httpUrl: daemon.httpUrl,
      ...(daemon.hubAddr === undefined ? {} : { hubAddr: daemon.hubAddr }),
      ...(config.client.enabled ? { hubs: config.client.hubs.map((h) => h.addr) } : {}),
      ...(config.streamkit.stores.length === 0 ? {} : { stores: config.streamkit.stores.map((s) => s.name) }),
    },
    'keyop-messenger started',
  );

  const signal = await stopRequested;
  logger.info({ signal }, 'shutting down');
  await daemon.stop();
  logger.info({}, 'shutdown complete');
}
