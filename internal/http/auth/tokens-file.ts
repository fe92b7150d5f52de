/**
 * The bearer tokens file (`http.auth.tokens_file`): one `<client name> sha256:<64 hex digits>` line
 * per token, the hex being the SHA-256 of the token itself, so the file holds no usable secret.
 * Blank lines and lines starting with `#` are ignored; a client may have several tokens (rotation).
 * Problems are ConfigErrors naming the file and line (the daemon exits 78).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { ConfigError, errorMessage } from '../../errors/index.js';

/** One token of the file: whose it is and the SHA-256 of the token. */
export interface TokenEntry {
  readonly name: string;
  readonly hash: Buffer;
}

const LINE = /^([A-Za-z0-9._-]+)\s+sha256:([0-9a-fA-F]{64})$/;
/** Permission bits that must be clear: writable by the group, any access by others. */
const UNSAFE_MODE_BITS = 0o027;

/** SHA-256 of a presented token, as stored in the file. */
function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * Reads and checks the tokens file: every line well-formed, every name one of `knownNames`, and (on
 * POSIX) no write access for the group and no access for others.
 */
export async function loadTokensFile(file: string, knownNames: ReadonlySet<string>): Promise<TokenEntry[]> {
  const key = 'http.auth.tokens_file';
  let text: string;
  try {
    const info = await stat(file);
    if (process.platform !== 'win32' && (info.mode & UNSAFE_MODE_BITS) !== 0) {
      const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
      throw new ConfigError([
        `${key} ${JSON.stringify(file)} has mode ${mode}: others could read it or add tokens; chmod 600 it`,
      ]);
    }
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError([`${key} ${JSON.stringify(file)} cannot be read: ${errorMessage(err)}`]);
  }
  const problems: string[] = [];
  const entries: TokenEntry[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${key} ${JSON.stringify(file)} line ${index + 1}`;
    const match = LINE.exec(line);
    if (match === null) {
      problems.push(`${where}: expected "<client name> sha256:<64 hex digits>"`);
      return;
    }
    const [, name = '', hex = ''] = match;
    if (!knownNames.has(name)) {
      problems.push(`${where}: ${JSON.stringify(name)} is not a client in http.auth.clients`);
      return;
    }
    entries.push({ name, hash: Buffer.from(hex, 'hex') });
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return entries;
}

/**
 * The client whose token is `token`, or undefined. Every entry is compared, each in constant time,
 * so the time taken does not depend on which entry (if any) matches.
 */
export function clientOfToken(entries: readonly TokenEntry[], token: string): string | undefined {
  const hash = tokenHash(token);
  let found: string | undefined;
  for (const entry of entries) {
    if (timingSafeEqual(entry.hash, hash) && found === undefined) found = entry.name;
  }
  return found;
}
