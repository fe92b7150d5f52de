/**
 * Channel and file-name rules shared by storage, delivery, federation and the conventions: valid and
 * reserved names, channel patterns, and an instance's inbox.
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
export { inboxChannelOf } from './inbox.js';
export {
  ChannelPatternSet,
  channelPatternProblem,
  isChannelPattern,
  matchesChannelPattern,
} from './patterns.js';
