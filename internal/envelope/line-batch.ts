/**
 * The lines of a batch publish gathered into one buffer for a single append, without ever making one
 * string of them all.
 */

/**
 * Characters per chunk: well under the ~128 KiB from which V8 puts a string in its large-object
 * space, where every string gets freshly mapped pages (a page fault per 4 KiB as it is written).
 */
const CHUNK_CHARS = 64 * 1024;

/**
 * Lines to encode as UTF-8 into one buffer. Joining a big batch into a single string and encoding that
 * would flatten it into a large-object string first; lines are joined into chunks of at most
 * {@link CHUNK_CHARS} characters instead (a single longer line is a chunk of its own), and the chunks
 * are encoded one after the other.
 */
export class LineBatch {
  readonly #chunks: string[] = [];
  #chunk = '';
  #chars = 0;

  /** Appends `line`, which carries its own newline. */
  add(line: string): void {
    if (this.#chunk !== '' && this.#chunk.length + line.length > CHUNK_CHARS) {
      this.#chunks.push(this.#chunk);
      this.#chunk = '';
    }
    this.#chunk += line;
    this.#chars += line.length;
  }

  /**
   * The lines as UTF-8 in one buffer, and whether they are all ASCII (then each line has as many
   * bytes as characters).
   */
  encode(): { data: Buffer; ascii: boolean } {
    const chunks = [...this.#chunks, this.#chunk];
    const sizes = chunks.map((chunk) => Buffer.byteLength(chunk));
    let bytes = 0;
    for (const size of sizes) bytes += size;
    const data = Buffer.allocUnsafe(bytes);
    let at = 0;
    chunks.forEach((chunk, i) => {
      // An ASCII chunk (as many bytes as characters) is the same in Latin-1, which is a plain copy.
      at += data.write(chunk, at, sizes[i] === chunk.length ? 'latin1' : 'utf8');
    });
    return { data, ascii: bytes === this.#chars };
  }
}
