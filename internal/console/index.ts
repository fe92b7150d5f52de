/**
 * The web console served at `/ui/`: its static page (plain ES modules and CSS shipped in the
 * package's `ui/` folder) and the JSON API it reads and acts through, the admin API's verbs, with
 * its live updates as server-sent events and the read-only views of what the daemon hosts.
 */
export { CONSOLE_PATH, consoleRoute, type ConsoleOptions, type ConsoleTarget } from './route.js';
export { eventText, parseViews, serveEvents, type EventsOptions } from './events.js';
export { FsyncWindow } from './fsync-window.js';
export { allowlistRows, type AllowlistRow, type PolicySource } from './allowlist-view.js';
export { streamRow, streamRows, type StreamLister, type StreamRow } from './streams-view.js';
export {
  storeRows,
  rpcRow,
  type RpcRow,
  type RpcSource,
  type StoreRow,
  type StoreSource,
} from './streamkit-view.js';
