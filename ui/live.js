/**
 * The console's live updates: one server-sent event stream (`api/events`) of the views the shown
 * page needs, read with `fetch` so that it carries the same bearer token as every other request.
 * It reconnects when the server ends it and waits a little after a failure.
 */
import { parseEventStream } from './shape.js';

/** After a failed stream, before the next attempt. */
const RETRY_MS = 2000;

/** The request was refused for want of credentials. */
export class Unauthorized extends Error {}

/**
 * Follows the events of `views` until `signal` aborts: `onEvent(name, data)` for each. A 401 or 403
 * goes to `onError` and ends the following; other failures go to `onError` and are retried.
 *
 * @param {string[]} views
 * @param {() => Record<string, string>} headers
 * @param {(name: string, data: any) => void} onEvent
 * @param {(err: Error) => void} onError
 * @param {AbortSignal} signal
 */
export async function follow(views, headers, onEvent, onError, signal) {
  while (!signal.aborted) {
    try {
      const res = await fetch(`api/events?views=${views.join(',')}`, { headers: headers(), signal });
      if (res.status === 401) throw new Unauthorized(await res.text());
      if (!res.ok || res.body === null) throw new Error(`${res.status} ${await res.text()}`);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const parsed = parseEventStream(buffer + value);
        buffer = parsed.rest;
        for (const { event, data } of parsed.events) onEvent(event, data);
      }
    } catch (err) {
      if (signal.aborted) return;
      const error = err instanceof Error ? err : new Error(String(err));
      onError(error);
      if (error instanceof Unauthorized || /^403 /.test(error.message)) return;
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
}
