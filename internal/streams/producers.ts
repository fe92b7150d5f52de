/**
 * Idempotent producers (Kafka-style): per stream and producer id, an epoch and the last accepted
 * sequence number. A zombie with an older epoch is fenced, a retry is a duplicate, a gap is refused.
 */

/** What a stream remembers of one producer. */
export interface ProducerState {
  epoch: number;
  lastSeq: number;
}

/** The producer headers of one append. */
export interface ProducerClaim {
  id: string;
  epoch: number;
  seq: number;
}

/** The verdict on a producer append. */
export type ProducerVerdict =
  | { kind: 'accept'; next: ProducerState }
  | { kind: 'duplicate'; lastSeq: number }
  | { kind: 'stale-epoch'; currentEpoch: number }
  | { kind: 'epoch-needs-seq-zero' }
  | { kind: 'gap'; expectedSeq: number; receivedSeq: number };

/** Judges `claim` against the producer's current state (undefined for an unknown producer). */
export function judgeProducer(state: ProducerState | undefined, claim: ProducerClaim): ProducerVerdict {
  const { epoch, seq } = claim;
  if (state === undefined) {
    if (seq !== 0) return { kind: 'gap', expectedSeq: 0, receivedSeq: seq };
    return { kind: 'accept', next: { epoch, lastSeq: 0 } };
  }
  if (epoch < state.epoch) return { kind: 'stale-epoch', currentEpoch: state.epoch };
  if (epoch > state.epoch) {
    if (seq !== 0) return { kind: 'epoch-needs-seq-zero' };
    return { kind: 'accept', next: { epoch, lastSeq: 0 } };
  }
  if (seq <= state.lastSeq) return { kind: 'duplicate', lastSeq: state.lastSeq };
  if (seq === state.lastSeq + 1) return { kind: 'accept', next: { epoch, lastSeq: seq } };
  return { kind: 'gap', expectedSeq: state.lastSeq + 1, receivedSeq: seq };
}
