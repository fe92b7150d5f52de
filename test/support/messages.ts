/** Collects delivered messages and waits for a count of them. */
import { vi } from 'vitest';
import type { Message } from '../../src/index.js';

/** A handler that records every message, and a way to wait until `n` have arrived. */
export function collector<T = unknown>(): {
  messages: Message<T>[];
  handler: (m: Message) => void;
  waitFor: (n: number) => Promise<void>;
} {
  const messages: Message<T>[] = [];
  return {
    messages,
    handler: (m) => {
      messages.push(m as Message<T>);
    },
    waitFor: async (n) => {
      await vi.waitFor(
        () => {
          if (messages.length < n) throw new Error(`received ${messages.length} of ${n} messages`);
        },
        { timeout: 10_000, interval: 5 },
      );
    },
  };
}
