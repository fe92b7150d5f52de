/**
 * Channel and file-name rules shared by storage, delivery, federation and the conventions: valid and
 * reserved names, channel patterns, an instance's inbox, and the ids of federation cursors.
 */
export {
  DEAD_LETTER_SUFFIX,
  MAX_CHANNEL_NAME_BYTES,
  PublishChannelCheck,
  channelNameProblem,
  deadLetterChannelOf,
  isDeadLetterChannel,
  sanitizeFileComponent,
  validateChannelName,
  validatePublishChannel,
} from './channel-rules.js';
export { FEDERATION_CURSOR_PREFIXES, cursorIds } from './cursor-ids.js';
export { inboxChannelOf } from './inbox.js';
export {
  ChannelPatternSet,
  channelPatternProblem,
  isChannelPattern,
  matchesChannelPattern,
} from './patterns.js';
