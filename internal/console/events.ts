/**
 * `GET /ui/api/events?views=a,b`: the console's live updates as server-sent events. Every interval
 * it sends one event per requested view (`event: <view>`, `data: <its JSON>`), so the page redraws
 * without polling; the stream ends after a while (the page reconnects) or when the console stops.
 */
import type http from 'node:http';
import type { Clock } from '../clock/index.js';
import type { Logger } from '../logger/index.js';

/** What {@link serveEvents} sends and how often. */
export interface EventsOptions {
  /** The views that may be asked for, by name. */
  readonly views: Readonly<Record<string, () => Promise<unknown>>>;
  readonly clock: Clock;
  /** Between two rounds of events. */
  readonly intervalMs: number;
  /** A stream is ended after this long; the page opens a new one. */
  readonly maxDurationMs: number;
  /** Aborted when the console stops: open streams end. */
  readonly closing: AbortSignal;
  readonly logger: Logger;
}

/**
 * The views named by `?views=` (comma-separated), in order, or the name of the first unknown one.
 *
 * @example parseViews('overview,streams', ['overview', 'streams']) // { views: ['overview', 'streams'] }
 */
export function parseViews(
  param: string | null,
  known: readonly string[],
): { views: string[] } | { unknown: string } {
  const views = (param ?? 'overview').split(',').filter((name) => name !== '');
  const unknown = views.find((name) => !known.includes(name));
  return unknown === undefined ? { views: [...new Set(views)] } : { unknown };
}

/** One server-sent event: its name and JSON data on one line each. */
export function eventText(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Streams `views` to `res` until the client leaves, the stream's time is up or the console stops. */
export async function serveEvents(
  options: EventsOptions,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  views: readonly string[],
  headers: Readonly<Record<string, string>>,
): Promise<void> {
  const ended = new AbortController();
  const end = (): void => {
    ended.abort();
  };
  req.once('close', end);
  options.closing.addEventListener('abort', end, { once: true });
  const deadline = options.clock.setTimeout(end, options.maxDurationMs);
  res.writeHead(200, { ...headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.write(`retry: ${options.intervalMs}\n\n`);
  try {
    while (!ended.signal.aborted) {
      // A reader that does not take what it was sent skips rounds: only the latest state matters, and
      // the unsent events would otherwise pile up in memory (one round each interval).
      if (!res.writableNeedDrain) await sendRound(options, res, views, ended.signal);
      await options.clock.sleep(options.intervalMs, ended.signal).catch(() => undefined);
    }
  } catch (err) {
    options.logger.warn({ err }, 'console event stream failed');
  } finally {
    deadline.clear();
    req.off('close', end);
    options.closing.removeEventListener('abort', end);
    // A reader still not taking its data would hold the unsent round until it left.
    if (res.writableNeedDrain) res.destroy();
    else res.end();
  }
}

/** Sends one event per view in `views`, unless `ended` aborts meanwhile. */
async function sendRound(
  options: EventsOptions,
  res: http.ServerResponse,
  views: readonly string[],
  ended: AbortSignal,
): Promise<void> {
  for (const name of views) {
    const view = options.views[name];
    if (view === undefined) continue;
    const data = await view().catch((err: unknown) => ({
      error: err instanceof Error ? err.message : String(err),
    }));
    if (ended.aborted) return;
    res.write(eventText(name, data));
  }
}
