import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { channelNameProblem, inboxChannelOf } from '../../internal/naming/index.js';

const sha6 = (name: string): string => createHash('sha1').update(name).digest('hex').slice(0, 6);

describe('inboxChannelOf', () => {
  it('keeps a name that is already a channel name component', () => {
    expect(inboxChannelOf('edge-1')).toBe('_inbox.edge-1');
    expect(inboxChannelOf('host.example.com')).toBe('_inbox.host.example.com');
  });

  it('replaces other characters and appends six hex digits of the name so slugs stay distinct', () => {
    expect(inboxChannelOf('host:7741')).toBe(`_inbox.host-7741-${sha6('host:7741')}`);
    expect(inboxChannelOf('host/7741')).not.toBe(inboxChannelOf('host:7741'));
    expect(inboxChannelOf('')).toBe(`_inbox.-${sha6('')}`);
    expect(inboxChannelOf('x.dead-letter')).toBe(`_inbox.x.dead-letter-${sha6('x.dead-letter')}`);
  });

  it('stays a valid channel name of at most 255 bytes for any name', () => {
    const long = 'n'.repeat(300);
    expect(inboxChannelOf(long)).toBe(`_inbox.${'n'.repeat(241)}-${sha6(long)}`);
    expect(inboxChannelOf('n'.repeat(248))).toBe(`_inbox.${'n'.repeat(248)}`);
    for (const name of [long, 'ü'.repeat(200), '..', '.', 'a b']) {
      expect(channelNameProblem(inboxChannelOf(name))).toBeUndefined();
    }
  });
});
