/**
 * Rules between keys: a key that needs another one, and a value that another key would make the
 * daemon ignore. An ignored value is an error rather than a silent no-op, so a config never looks
 * like it does something it does not (`tls.ca` without `tls.cert` ran without TLS). Keys under a
 * section switched off by its own `enabled: false` are exempt: that switch is the explicit choice.
 */
import { DEFAULT_CONFIG } from './defaults.js';
import type { ConfigIssues } from './issues.js';
import type { MessengerConfig } from './types.js';

/** Adds every dependency problem of `config` to `issues`. */
export function validateDependencies(config: MessengerConfig, issues: ConfigIssues): void {
  validateTls(config.tls, issues);
  validateFederationTls(config, issues);
  if (config.client.enabled && config.client.hubs.length === 0) {
    issues.add('client.hubs', ' must list at least one hub when client.enabled is true');
  }
  const { syncPolicy, syncIntervalMs } = config.storage;
  const unusedInterval = syncIntervalMs !== 0 && syncIntervalMs !== DEFAULT_CONFIG.storage.syncIntervalMs;
  if (syncPolicy !== 'periodic' && unusedInterval) {
    issues.add(
      'storage.sync_interval_ms',
      ` is only used with sync_policy "periodic" (it is ${JSON.stringify(syncPolicy)}); remove it`,
    );
  }
}

function validateTls(tls: MessengerConfig['tls'], issues: ConfigIssues): void {
  if (tls.cert !== '') {
    if (tls.key === '') issues.add('tls.key', ' is required when tls.cert is set');
    if (tls.ca === '') issues.add('tls.ca', ' is required when tls.cert is set');
    return;
  }
  if (tls.key !== '') issues.add('tls.cert', ' is required when tls.key is set');
  if (tls.ca !== '') issues.add('tls.cert', ' is required when tls.ca is set');
  const defaults = DEFAULT_CONFIG.tls;
  const unused = [
    ['min_version', tls.minVersion !== defaults.minVersion],
    ['expiry_warn_days', tls.expiryWarnDays !== defaults.expiryWarnDays],
  ] as const;
  for (const [key, set] of unused) {
    if (set)
      issues.add(`tls.${key}`, ' is set but TLS is off (tls.cert is empty); remove it or set tls.cert');
  }
}

/** Federation authenticates peers by mTLS; plain `ws://` needs `federation.insecure_plaintext`. */
function validateFederationTls(config: MessengerConfig, issues: ConfigIssues): void {
  const tlsOn = config.tls.cert !== '';
  const plaintext = config.federation.insecurePlaintext;
  if (tlsOn && plaintext) {
    issues.add(
      'federation.insecure_plaintext',
      ' is true but tls.cert is set, so it has no effect; remove one',
    );
  }
  if (tlsOn || plaintext) return;
  for (const role of ['hub', 'client'] as const) {
    if (config[role].enabled) {
      issues.add(
        `${role}.enabled`,
        ' is true without TLS: set tls.cert, tls.key and tls.ca (peers are authenticated by mTLS), or federation.insecure_plaintext: true for plain ws:// on a trusted network',
      );
    }
  }
}
