/**
 * Rules that span keys (per-value types and ranges are checked while decoding). Messages reuse the
 * Go original's wording where a rule exists there.
 */
import { addressProblem, type AddressUse } from '../../internal/net/index.js';
import { dataDirProblem } from './data-dir.js';
import { validateDependencies } from './dependencies.js';
import { childPath, indexPath } from './issues.js';
import type { ConfigIssues } from './issues.js';
import type { MessengerConfig } from './types.js';
import { validateHttpConfig } from './validate-http.js';
import { validateRetentionOverrides } from './validate-retention.js';
import { validateStreamkitStores } from './validate-streamkit.js';

/** Adds every cross-key problem of `config` to `issues`. */
export function validateConfig(config: MessengerConfig, issues: ConfigIssues): void {
  const { storage, subscribers, hub, client, federation, http } = config;
  const dataDirIssue = storage.dataDir === '' ? 'is required' : dataDirProblem(storage.dataDir);
  if (dataDirIssue !== undefined) issues.add('storage.data_dir', ` ${dataDirIssue}`);
  if (storage.syncPolicy === 'periodic' && storage.syncIntervalMs === 0) {
    issues.add('storage.sync_interval_ms', ' must be positive when sync_policy is "periodic"');
  }
  atLeast(
    issues,
    'subscribers.retry_backoff_max_ms',
    subscribers.retryBackoffMaxMs,
    'subscribers.retry_backoff_base_ms',
    subscribers.retryBackoffBaseMs,
  );
  atLeast(
    issues,
    'federation.reconnect_max_ms',
    federation.reconnectMaxMs,
    'federation.reconnect_base_ms',
    federation.reconnectBaseMs,
  );

  if (hub.enabled && hub.listenAddr === '')
    issues.add('hub.listen_addr', ' is required when hub.enabled is true');
  checkAddress(issues, 'hub.listen_addr', hub.listenAddr, 'listen');
  checkAddress(issues, 'http.listen_addr', http.listenAddr, 'listen');
  hub.allowedPeers.forEach((peer, index) => {
    if (peer.name === '')
      issues.add(childPath(indexPath('hub.allowed_peers', index), 'name'), ' is required');
  });
  unique(
    issues,
    'hub.allowed_peers',
    'name',
    hub.allowedPeers.map((peer) => peer.name),
  );

  client.hubs.forEach((ref, index) => {
    const path = childPath(indexPath('client.hubs', index), 'addr');
    if (client.enabled && ref.addr === '') issues.add(path, ' is required');
    checkAddress(issues, path, ref.addr, 'dial');
  });
  unique(
    issues,
    'http.auth.clients',
    'name',
    config.http.auth.clients.map((c) => c.name),
  );
  unique(
    issues,
    'client.hubs',
    'addr',
    client.hubs.map((ref) => ref.addr),
  );

  unique(
    issues,
    'streamkit.stores',
    'name',
    config.streamkit.stores.map((store) => store.name),
  );

  validateDependencies(config, issues);
  validateHttpConfig(config, issues);
  validateRetentionOverrides(config, issues);
  validateStreamkitStores(config, issues);
}

function atLeast(issues: ConfigIssues, path: string, value: number, lowerPath: string, lower: number): void {
  if (value < lower) issues.add(path, ` must be at least ${lowerPath} (${lower})`);
}

function checkAddress(issues: ConfigIssues, path: string, address: string, use: AddressUse): void {
  if (address === '') return;
  const problem = addressProblem(address, use);
  if (problem !== undefined) issues.add(path, ` ${JSON.stringify(address)} is invalid: ${problem}`);
}

/** Every non-empty `list[i].key` must differ from the earlier ones. */
function unique(issues: ConfigIssues, list: string, key: string, values: readonly string[]): void {
  const firstIndex = new Map<string, number>();
  values.forEach((value, index) => {
    if (value === '') return;
    const earlier = firstIndex.get(value);
    if (earlier === undefined) firstIndex.set(value, index);
    else
      issues.add(
        childPath(indexPath(list, index), key),
        ` ${JSON.stringify(value)} repeats ${list}[${earlier}].${key}`,
      );
  });
}
