import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, EphemeralMessenger, ErrorCode, type EphemeralConfig } from '../../src/index.js';
import { resolveConfig } from '../../src/config/index.js';
import { makePki, type TestPki } from '../support/cluster.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makePki(['eph']);
});

/** The issues of the ConfigError the constructor throws for `config`. */
function issuesOf(config: unknown): readonly string[] {
  try {
    new EphemeralMessenger(config as EphemeralConfig);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe(ErrorCode.CONFIG);
    return (err as ConfigError).issues;
  }
  throw new Error('the constructor accepted the configuration');
}

describe('EphemeralMessenger configuration', () => {
  it('reports every problem at once, each naming its field', () => {
    expect(
      issuesOf({
        hubAddr: 'no-port',
        subscribe: ['ok', 'bad name', 'x.dead-letter', 7],
        reconnectBase: 10,
        reconnectBaseMs: 0,
        reconnectMaxMs: 'soon',
        reconnectJitter: 1.5,
        maxBatchBytes: 100,
        writeQueueSize: 2.5,
        autoReconnect: 'yes',
      }),
    ).toEqual([
      // The daemon's decoder and its sentences, with the camelCase key paths of this config.
      'reconnectBase is not a known key; did you mean "reconnectBaseMs"?',
      'subscribe[1] "bad name" is not a subscribable channel name: contains characters outside [a-zA-Z0-9._-]',
      'subscribe[2] "x.dead-letter" is not a subscribable channel name: dead-letter channels are not federated',
      'subscribe[3] must be a string, got number 7',
      'autoReconnect must be true or false, got string "yes"',
      'reconnectBaseMs must be positive',
      'reconnectMaxMs must be an integer, got string "soon"',
      'reconnectJitter must be between 0 and 1',
      'maxBatchBytes must be at least 1024',
      'writeQueueSize must be an integer, got number 2.5',
      'hubAddr "no-port": must be host:port (an IPv6 host in brackets)',
      'instanceName is required without tls (with tls it defaults to the certificate CN)',
    ]);
    expect(issuesOf({})).toEqual([
      'hubAddr is required (host:port of the hub)',
      'instanceName is required without tls (with tls it defaults to the certificate CN)',
    ]);
    expect(
      issuesOf({ hubAddr: 'h:1', instanceName: 'x', reconnectBaseMs: 500, reconnectMaxMs: 100 }),
    ).toEqual(['reconnectMaxMs (100) must be at least reconnectBaseMs (500)']);
  });

  it('takes the identity from the certificate CN and refuses a different instanceName', () => {
    const pair = pki.pairs.get('eph')!;
    const tls = { cert: pair.certFile, key: pair.keyFile, ca: pki.ca };
    expect(new EphemeralMessenger({ hubAddr: 'localhost:7740', tls }).instanceName).toBe('eph');
    expect(new EphemeralMessenger({ hubAddr: 'localhost:7740', tls, instanceName: 'eph' }).instanceName).toBe(
      'eph',
    );
    expect(issuesOf({ hubAddr: 'localhost:7740', tls, instanceName: 'other' })).toEqual([
      'instanceName "other" does not match the CN "eph" of tls.cert; with TLS the certificate CN is the identity (omit instanceName or set it to "eph")',
    ]);
  });

  it('checks the TLS settings and reads the certificate at construction', () => {
    const missing = issuesOf({
      hubAddr: 'h:1',
      tls: { cert: '/nonexistent/eph.crt', key: '', ca: 'ca.crt', minVersion: '1.1' },
    });
    expect(missing[0]).toBe('tls.minVersion "1.1" is invalid: must be "1.2" or "1.3"');
    expect(missing[1]).toBe('tls.key is required (path to a PEM file) when tls is set');
    expect(missing[2]).toMatch(
      /^tls\.cert "\/nonexistent\/eph\.crt" cannot be read as a certificate: ENOENT/,
    );
    expect(missing).toHaveLength(3);
    expect(
      issuesOf({ hubAddr: 'h:1', tls: { cert: pki.pairs.get('eph')!.keyFile, key: 'k', ca: 'c' } })[0],
    ).toMatch(/^tls\.cert ".*eph\.key" cannot be read as a certificate: .*contains no PEM CERTIFICATE block/);
  });

  it('applies the daemon schema rules, in the same sentences, to the settings both configs have', () => {
    const bad = {
      reconnectBaseMs: 0.5,
      reconnectJitter: 1.5,
      maxBatchBytes: 16 * 2 ** 20,
      tls: { cert: 'c', key: 'k', ca: 'a', minVersion: '1.1' },
    };
    let daemon: readonly string[] = [];
    try {
      resolveConfig({ federation: bad, tls: bad.tls } as never, { env: {} });
    } catch (err) {
      daemon = (err as ConfigError).issues;
    }
    const ephemeral = issuesOf({ hubAddr: 'h:1', ...bad });
    for (const [daemonKey, ephemeralKey] of [
      ['federation.reconnect_base_ms', 'reconnectBaseMs'],
      ['federation.reconnect_jitter', 'reconnectJitter'],
      ['federation.max_batch_bytes', 'maxBatchBytes'],
      ['tls.min_version', 'tls.minVersion'],
    ] as const) {
      const rest = daemon.find((issue) => issue.startsWith(`${daemonKey} `))?.slice(daemonKey.length);
      expect(rest, daemonKey).toBeDefined();
      expect(ephemeral).toContain(`${ephemeralKey}${rest!}`);
    }
  });

  it('accepts a bracketed IPv6 hub address and starts idle with empty counters', () => {
    const em = new EphemeralMessenger({ hubAddr: '[::1]:7740', instanceName: 'plain' });
    expect(em.hubAddr).toBe('[::1]:7740');
    expect(em.state).toBe('idle');
    expect(em.stats()).toMatchObject({ state: 'idle', connects: 0, queued: 0, framesSent: 0 });
  });
});
