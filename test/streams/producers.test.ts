import { describe, expect, it } from 'vitest';
import { judgeProducer } from '../../internal/streams/producers.js';

describe('idempotent producer rules', () => {
  const claim = (epoch: number, seq: number) => ({ id: 'p', epoch, seq });

  it('accept a new producer at seq 0 (any epoch) and refuse a gap otherwise', () => {
    expect(judgeProducer(undefined, claim(3, 0))).toEqual({ kind: 'accept', next: { epoch: 3, lastSeq: 0 } });
    expect(judgeProducer(undefined, claim(0, 2))).toEqual({ kind: 'gap', expectedSeq: 0, receivedSeq: 2 });
  });

  it('accept the next sequence, call retries duplicates and refuse gaps', () => {
    const state = { epoch: 1, lastSeq: 4 };
    expect(judgeProducer(state, claim(1, 5))).toEqual({ kind: 'accept', next: { epoch: 1, lastSeq: 5 } });
    expect(judgeProducer(state, claim(1, 4))).toEqual({ kind: 'duplicate', lastSeq: 4 });
    expect(judgeProducer(state, claim(1, 0))).toEqual({ kind: 'duplicate', lastSeq: 4 });
    expect(judgeProducer(state, claim(1, 7))).toEqual({ kind: 'gap', expectedSeq: 5, receivedSeq: 7 });
  });

  it('fence stale epochs and require seq 0 on a new epoch', () => {
    const state = { epoch: 2, lastSeq: 9 };
    expect(judgeProducer(state, claim(1, 10))).toEqual({ kind: 'stale-epoch', currentEpoch: 2 });
    expect(judgeProducer(state, claim(3, 1))).toEqual({ kind: 'epoch-needs-seq-zero' });
    expect(judgeProducer(state, claim(3, 0))).toEqual({ kind: 'accept', next: { epoch: 3, lastSeq: 0 } });
  });
});
