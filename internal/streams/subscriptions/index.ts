/** Stream subscriptions: webhook and pull-wake consumers of sets of streams. */
export { SubscriptionError, type SubscriptionWireCode } from './config.js';
export { SubscriptionManager, type SubscriptionManagerOptions } from './manager.js';
