/**
 * A reader for the lines one encoder writes on one channel, with a UUID id, no optional field and one
 * of a few payload types: one single-character search for the end of the time and one comparison of
 * the rest of the header pin the payload type and the payload's position exactly, for channels read
 * in bulk (streams). The id's and the time's characters are not checked (a loop over them doubled the
 * cost of a line): a reader of this instance's own channels that reads neither is served exactly.
 * (String `startsWith` is avoided on purpose: V8 runs it far slower than `substring` equality on the
 * large latin1 strings of a read.)
 */
import { AFTER_ID, headerAfterTime, ID_AT, ID_PREFIX } from './format.js';

const UUID_LENGTH = 36;
const CLOSING_BRACE = 0x7d;
/** Where the time's text starts in such a line. */
const TS_AT = ID_AT + UUID_LENGTH + AFTER_ID.length;

/** A header from the end of the time to the payload, and what its payload type stands for. */
interface KnownHeader<T> {
  readonly tag: T;
  readonly header: string;
}

/** Where a known line's payload starts, and what its payload type stands for. */
export interface KnownLine<T> {
  readonly tag: T;
  /** The payload's JSON text is `text[payloadAt, end - 1)` (not checked: the line is from this instance's channel). */
  readonly payloadAt: number;
}

/** Recognises lines written by one instance on one channel with one of a few payload types. */
export class KnownLines<T> {
  /** Offset from the end of the time to the first character that tells the headers apart. */
  readonly #tellAt: number;
  readonly #headers = new Map<number, KnownHeader<T>[]>();

  /**
   * @param channel - the channel read
   * @param origin - the instance whose lines are recognised
   * @param types - the payload types recognised, each with what it stands for
   */
  constructor(channel: string, origin: string, types: ReadonlyMap<string, T>) {
    const known = [...types].map(([type, tag]) => ({
      tag,
      // The text is read as latin1 bytes: so are the headers compared with it.
      header: Buffer.from(
        headerAfterTime(JSON.stringify(channel).slice(1, -1), JSON.stringify(origin), JSON.stringify(type)),
      ).toString('latin1'),
    }));
    const headers = known.map((k) => k.header);
    // Headers that are prefixes of one another (one type) are told apart at their last character.
    this.#tellAt = Math.min(commonPrefixLength(headers), Math.min(...headers.map((h) => h.length)) - 1);
    for (const k of known) {
      const code = k.header.charCodeAt(this.#tellAt);
      this.#headers.set(code, [...(this.#headers.get(code) ?? []), k]);
    }
  }

  /** The tag and payload position of the line `text[start, end)` when it is such a line, else undefined. */
  match(text: string, start: number, end: number): KnownLine<T> | undefined {
    const tsAt = start + TS_AT;
    if (
      end <= tsAt ||
      text.substring(start, start + ID_AT) !== ID_PREFIX ||
      text.substring(tsAt - AFTER_ID.length, tsAt) !== AFTER_ID ||
      text.charCodeAt(end - 1) !== CLOSING_BRACE
    ) {
      return undefined;
    }
    const tsEnd = text.indexOf('"', tsAt);
    if (tsEnd < 0 || tsEnd >= end) return undefined;
    const candidates = this.#headers.get(text.charCodeAt(tsEnd + this.#tellAt));
    if (candidates === undefined) return undefined;
    for (const { tag, header } of candidates) {
      if (text.substring(tsEnd, tsEnd + header.length) !== header) continue;
      const payloadAt = tsEnd + header.length;
      return payloadAt < end - 1 ? { tag, payloadAt } : undefined;
    }
    return undefined;
  }
}

/** How many leading characters all of `texts` share. */
function commonPrefixLength(texts: readonly string[]): number {
  const [first = ''] = texts;
  let length = 0;
  while (length < first.length && texts.every((t) => t.charCodeAt(length) === first.charCodeAt(length)))
    length++;
  return length;
}
