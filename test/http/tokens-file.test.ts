/** The tokens file is checked at start: permissions, format, and that every name is a client. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../internal/errors/index.js';
import { HttpAuth } from '../../internal/http/auth/index.js';
import { Messenger, startHttpEndpoint } from '../../src/index.js';
import { tempDir } from '../support/temp-dir.js';
import { tokenFileLine } from './client.js';

const clients = [{ name: 'ci', read: ['>'], write: [], admin: [] }];

function tokensFile(text: string, mode = 0o600): string {
  const file = path.join(tempDir('keyop-tokens-'), 'tokens');
  fs.writeFileSync(file, text);
  fs.chmodSync(file, mode);
  return file;
}

async function loadError(file: string): Promise<string> {
  const err = await HttpAuth.load({ tokensFile: file, clients }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).message;
}

describe('tokens file', () => {
  it('is refused when others may read it or the group may write it', async () => {
    const file = tokensFile(`${tokenFileLine('ci', 'secret-token-1')}\n`, 0o644);
    expect(await loadError(file)).toContain(`http.auth.tokens_file ${JSON.stringify(file)} has mode 0644`);
  });

  it('names the line that is malformed or names no client', async () => {
    const file = tokensFile(['# comment', '', 'ci sha256:abc', tokenFileLine('nobody', 't')].join('\n'));
    const message = await loadError(file);
    expect(message).toContain(
      `${JSON.stringify(file)} line 3: expected "<client name> sha256:<64 hex digits>"`,
    );
    expect(message).toContain(
      `${JSON.stringify(file)} line 4: "nobody" is not a client in http.auth.clients`,
    );
  });

  it('says when the file cannot be read', async () => {
    expect(await loadError('/nonexistent/tokens')).toContain('cannot be read');
  });
});

describe('startHttpEndpoint', () => {
  it('refuses a non-loopback address while http.auth is not configured', async () => {
    const messenger = await Messenger.open({
      name: 'exposure-test',
      storage: { dataDir: path.join(tempDir('keyop-exposure-'), 'data') },
    });
    try {
      const err = await startHttpEndpoint(messenger, { listenAddr: '0.0.0.0:0' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain('http.listen_addr "0.0.0.0:0" is not a loopback address');
    } finally {
      await messenger.close();
    }
  });
});
