/**
 * Federation frames built and read byte by byte, for tests that play a peer without project code:
 * repeated `[uint32 big-endian length][record]`.
 */

/** One binary frame holding `records`. */
export function frame(records: readonly string[]): Buffer {
  const parts: Buffer[] = [];
  for (const r of records) {
    const body = Buffer.from(r);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(body.length, 0);
    parts.push(head, body);
  }
  return Buffer.concat(parts);
}

/** The records of a binary frame, as text. */
export function unframe(buf: Buffer): string[] {
  const out: string[] = [];
  for (let pos = 0; pos < buf.length;) {
    const len = buf.readUInt32BE(pos);
    out.push(buf.subarray(pos + 4, pos + 4 + len).toString());
    pos += 4 + len;
  }
  return out;
}
