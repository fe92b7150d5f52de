/**
 * Stream paths and the channels that hold them. A path is one or more segments separated by `/`;
 * each segment follows the channel naming rules, and the channel is the segments joined with `.`
 * (`events/eu` is channel `events.eu`). `__ds` is reserved for the control APIs.
 */
import { channelNameProblem, isDeadLetterChannel, DEAD_LETTER_SUFFIX } from '../naming/index.js';
import { fail } from './errors.js';

/** The reserved first segment of control routes. */
export const RESERVED_SEGMENT = '__ds';

/** The channel of stream `path`; throws a bad-request StreamError naming the broken rule. */
export function channelForPath(path: string): string {
  const segments = path.split('/');
  for (const segment of segments) {
    const problem = channelNameProblem(segment);
    if (problem !== undefined) {
      throw fail.badRequest(
        `invalid stream name ${JSON.stringify(path)}: segment ${JSON.stringify(segment)}: ${problem}`,
      );
    }
  }
  if (segments[0] === RESERVED_SEGMENT) {
    throw fail.badRequest(`invalid stream name ${JSON.stringify(path)}: ${RESERVED_SEGMENT} is reserved`);
  }
  const channel = segments.join('.');
  const problem = channelNameProblem(channel);
  if (problem !== undefined) throw fail.badRequest(`invalid stream name ${JSON.stringify(path)}: ${problem}`);
  if (isDeadLetterChannel(channel)) {
    throw fail.badRequest(
      `invalid stream name ${JSON.stringify(path)}: the ${DEAD_LETTER_SUFFIX} suffix is reserved for the system`,
    );
  }
  return channel;
}
