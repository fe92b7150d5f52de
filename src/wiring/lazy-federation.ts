/**
 * What a Messenger needs of federation before (and without) starting it: whether the configuration
 * asks for it, `startFederation`, which loads federation.ts (and with it every federation module) on
 * its first call, and the figures of a started one. A Messenger without federation, and the import
 * of the library, do not pay for those modules.
 */
import type { MessengerConfig } from '../config/index.js';
import type { FederationStats } from '../stats.js';
import type { Federation } from './federation.js';

export type { Federation, FederationTuning } from './federation.js';

type FederationModule = typeof import('./federation.js');
/** What {@link startFederation} starts federation with. */
type FederationSetup = Parameters<FederationModule['startFederation']>[0];
/** federation.ts, once `startFederation` loaded it: every {@link Federation} comes from there. */
let loaded: FederationModule | undefined;

/** Whether the configuration asks for federation. */
export function federationEnabled(config: MessengerConfig): boolean {
  return config.hub.enabled || config.client.enabled;
}

/**
 * Starts the hub and the clients the configuration asks for (federation.ts, loaded on the first
 * call); on failure everything started is stopped again.
 */
export async function startFederation(setup: FederationSetup): Promise<Federation> {
  loaded ??= await import('./federation.js');
  return loaded.startFederation(setup);
}

/** The figures of a running federation, as `Messenger.stats()` and `/readyz` report them. */
export function federationStats(fed: Federation): FederationStats {
  if (loaded === undefined) throw new Error('federationStats: no federation was started in this process');
  return loaded.federationStats(fed);
}
