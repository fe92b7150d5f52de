/** Rules of `streamkit.stores[]` that span keys. */
import { storeNameProblem } from '../../internal/streamkit/index.js';
import { childPath, indexPath } from './issues.js';
import type { ConfigIssues } from './issues.js';
import type { MessengerConfig } from './types.js';

/** Each store needs a valid `name` (their uniqueness is checked with the other lists'). */
export function validateStreamkitStores(config: MessengerConfig, issues: ConfigIssues): void {
  config.streamkit.stores.forEach((store, index) => {
    const path = childPath(indexPath('streamkit.stores', index), 'name');
    const problem = store.name === '' ? 'is required' : storeNameProblem(store.name);
    if (problem === undefined) return;
    issues.add(
      path,
      store.name === '' ? ` ${problem}` : ` ${JSON.stringify(store.name)} is invalid: ${problem}`,
    );
  });
}
