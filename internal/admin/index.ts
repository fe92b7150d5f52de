/**
 * The admin API: verbs over a data dir (channels, subscribers, cat, offsets, purge, delete,
 * dead-letter replay), served by the running daemon on an owner-only unix socket and run by the CLI itself on a
 * stopped data dir.
 */
export type { DeletedChannel } from './delete-channel.js';
export type { AdminHost } from './host.js';
export {
  MAX_CAT_PAGE,
  runAdminRequest,
  type CatRecord,
  type ChannelInfo,
  type SubscriberInfo,
} from './operations.js';
export {
  ADMIN_SOCKET_FILE,
  parseAdminRequest,
  WRITE_VERBS,
  type AdminAnswer,
  type AdminRequest,
  type WirePosition,
} from './protocol.js';
export { callAdmin } from './socket-client.js';
export { adminAnswer, readAdminBody, serveAdminSocket, type AdminSocket } from './socket-server.js';
