/** Rules of the `storage.channels[]` retention overrides that span keys. */
import { channelPatternProblem } from '../../internal/naming/index.js';
import { childPath, indexPath } from './issues.js';
import type { ConfigIssues } from './issues.js';
import type { MessengerConfig } from './types.js';

/** Each override needs a valid `match` pattern and at least one limit. */
export function validateRetentionOverrides(config: MessengerConfig, issues: ConfigIssues): void {
  config.storage.channels.forEach((entry, index) => {
    const path = indexPath('storage.channels', index);
    const matchPath = childPath(path, 'match');
    if (entry.match === '') {
      issues.add(matchPath, ' is required');
    } else {
      const problem = channelPatternProblem(entry.match);
      if (problem !== undefined)
        issues.add(matchPath, ` ${JSON.stringify(entry.match)} is not a channel pattern: ${problem}`);
    }
    if (entry.retentionMs < 0 && entry.maxFiles < 0)
      issues.add(path, ' sets neither retention nor max_files');
  });
}
