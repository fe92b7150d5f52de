import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, EphemeralMessenger, ErrorCode, type EphemeralConfig } from '../../src/index.js';
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
      'reconnectBase is not a known setting (did you mean reconnectBaseMs?)',
      'hubAddr "no-port": must be host:port (an IPv6 host in brackets)',
      'subscribe[1] "bad name": contains characters outside [a-zA-Z0-9._-]',
      'subscribe[2] "x.dead-letter": dead-letter channels are not federated',
      'subscribe[3] must be a channel name (a string)',
      'instanceName is required without tls (with tls it defaults to the certificate CN)',
      'autoReconnect must be true or false, got "yes"',
      'reconnectBaseMs must be a number >= 1, got 0',
      'reconnectMaxMs must be a number >= 1, got "soon"',
      'reconnectJitter must be a number between 0 and 1, got 1.5',
      'maxBatchBytes must be an integer >= 1024, got 100',
      'writeQueueSize must be an integer >= 1, got 2.5',
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
    expect(missing[0]).toBe('tls.key is required (path to a PEM file) when tls is set');
    expect(missing[1]).toBe('tls.minVersion must be "1.2" or "1.3", got "1.1"');
    expect(missing[2]).toMatch(
      /^tls\.cert "\/nonexistent\/eph\.crt" cannot be read as a certificate: ENOENT/,
    );
    expect(missing).toHaveLength(3);
    expect(
      issuesOf({ hubAddr: 'h:1', tls: { cert: pki.pairs.get('eph')!.keyFile, key: 'k', ca: 'c' } })[0],
    ).toMatch(/^tls\.cert ".*eph\.key" cannot be read as a certificate: .*contains no PEM CERTIFICATE block/);
  });

  it('accepts a bracketed IPv6 hub address and starts idle with empty counters', () => {
    const em = new EphemeralMessenger({ hubAddr: '[::1]:7740', instanceName: 'plain' });
    expect(em.hubAddr).toBe('[::1]:7740');
    expect(em.state).toBe('idle');
    expect(em.stats()).toMatchObject({ state: 'idle', connects: 0, queued: 0, framesSent: 0 });
  });
});
