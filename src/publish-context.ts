/**
 * Publish context: a correlation id and a service name that stamp every publish made inside a
 * callback, across awaits (Go's WithCorrelationID / WithServiceName, on AsyncLocalStorage).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { PublishDefaults } from '../internal/envelope/index.js';

interface PublishContext {
  correlationId?: string;
  serviceName?: string;
}

const storage = new AsyncLocalStorage<PublishContext>();

/**
 * Runs `fn` so that publishes made inside it (and in everything it awaits) carry `correlationId`,
 * unless a publish sets its own.
 *
 * @example
 * await withCorrelationId(req.id, () => messenger.publish('orders', 'Order', order));
 */
export function withCorrelationId<T>(correlationId: string, fn: () => T): T {
  return storage.run({ ...storage.getStore(), correlationId }, fn);
}

/** Runs `fn` so that publishes made inside it carry `serviceName`, unless a publish sets its own. */
export function withServiceName<T>(serviceName: string, fn: () => T): T {
  return storage.run({ ...storage.getStore(), serviceName }, fn);
}

/** The correlation id of the current context, or '' outside {@link withCorrelationId}. */
export function currentCorrelationId(): string {
  return storage.getStore()?.correlationId ?? '';
}

/** The service name of the current context, or '' outside {@link withServiceName}. */
export function currentServiceName(): string {
  return storage.getStore()?.serviceName ?? '';
}

/** Where the envelope encoder of a publish finds the context's correlation id and service name. */
export const publishDefaults: PublishDefaults = {
  correlationId: currentCorrelationId,
  serviceName: currentServiceName,
};
