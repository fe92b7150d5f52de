/** Things a test opened, closed after each test in the reverse order. */
import { afterEach } from 'vitest';

/** Something to close. */
export interface Closable {
  close(): Promise<void>;
}

/** A list to push what a test opens onto; everything on it is closed (newest first) after each test. */
export function closedAfterEach(): Closable[] {
  const closing: Closable[] = [];
  afterEach(async () => {
    for (const c of closing.splice(0).reverse()) await c.close();
  });
  return closing;
}
