/**
 * The web console served at `/ui/`: its static page (plain ES modules and CSS shipped in the
 * package's `ui/` folder) and the JSON API it reads and acts through, the admin API's verbs.
 */
export { CONSOLE_PATH, consoleRoute, type ConsoleOptions, type ConsoleTarget } from './route.js';
export { FsyncWindow } from './fsync-window.js';
