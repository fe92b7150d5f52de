/**
 * The envelope line of a new publish: header from the arguments and the publish context, payload
 * serialised as JSON.
 */
import { encodeEnvelope } from '../internal/envelope/index.js';
import { ErrorCode, MessengerError, errorMessage } from '../internal/errors/index.js';
import { currentCorrelationId, currentServiceName } from './context.js';

/** What a publish stamps on its envelope. */
export interface PublishFields {
  id: string;
  ts: string;
  channel: string;
  origin: string;
  payloadType: string;
  payload: unknown;
  /** Default: the one set with `withCorrelationId`, if any. */
  correlationId?: string | undefined;
  /** Default: the one set with `withServiceName`, if any. */
  serviceName?: string | undefined;
}

/**
 * The envelope as one JSON line without a trailing newline. A payload `JSON.stringify` cannot
 * serialise (a cycle, a BigInt) is ERR_INVALID_ARGUMENT; `undefined` becomes `null`.
 */
export function encodePublishLine(fields: PublishFields): string {
  let payloadJson: string | undefined;
  try {
    payloadJson = JSON.stringify(fields.payload);
  } catch (err) {
    throw new MessengerError(
      ErrorCode.INVALID_ARGUMENT,
      `publish ${JSON.stringify(fields.channel)}: payload cannot be serialised as JSON: ${errorMessage(err)}`,
      { cause: err },
    );
  }
  return encodeEnvelope(
    {
      id: fields.id,
      ts: fields.ts,
      channel: fields.channel,
      origin: fields.origin,
      payloadType: fields.payloadType,
      correlationId: fields.correlationId ?? currentCorrelationId(),
      serviceName: fields.serviceName ?? currentServiceName(),
    },
    payloadJson ?? 'null',
  );
}
