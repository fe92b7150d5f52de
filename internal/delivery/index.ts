/** Reading channels: the cursor, the durable subscriber loop, the delivered message, and the push-to-pull queue of live iterables. */
export { Cursor, OFFSET_FAILURES_BEFORE_PAUSE, type CursorOptions } from './cursor.js';
export { LiveQueue, type LiveQueueOptions } from './live-queue.js';
export { toMessage, type DeliveryContext, type Message, type MessageHandler } from './message.js';
export { splitRecords, type LogRecord } from './split-records.js';
export { resolveStartPosition, type StartPosition, type StartTime } from './start-position.js';
export { SubscriberLoop, type SubscriberCounters, type SubscriberOptions } from './subscriber.js';
